package org.gfsj.fs.format;

import java.nio.charset.StandardCharsets;
import java.util.function.IntPredicate;
import java.util.zip.CRC32C;

/**
 * The hash of a directory entry's name, and the value each entry stores in its hash field.
 *
 * <p>The hash is the CRC32C of the name's UTF-8 bytes. Its top {@link #PREFIX_BITS} bits choose
 * the entry's leaf in a hashed directory ({@link HashTableBlock#MAX_DEPTH} is the same number,
 * so every entry whose name shares those bits lives in one leaf chain). The stored value is the
 * hash itself unless another entry of the same directory already stores it: then it is the next
 * value, counting up within the low bits and wrapping, that no entry stores. Stored values are thus
 * unique within a directory and never change while the entry exists, even when a split moves the
 * entry to another leaf, and readdir orders entries by them and resumes from them: two names
 * whose CRC32C collide still get cookies of their own. Lookup never needs the stored value: it
 * finds the chain by the name's hash and compares names.
 */
public final class NameHash {
  /** The bits of a hash that choose its leaf; the rest may be bumped to make the value unique. */
  public static final int PREFIX_BITS = 16;
  private static final int SUFFIX_MASK = (1 << (32 - PREFIX_BITS)) - 1;
  /** What {@link #unique} answers when a prefix has no value left. */
  public static final long NONE_FREE = -1;

  private NameHash() {}

  public static int of(String name) {
    return of(name.getBytes(StandardCharsets.UTF_8));
  }

  public static int of(byte[] name) {
    CRC32C crc = new CRC32C();
    crc.update(name);
    return (int) crc.getValue();
  }

  /** Whether {@code stored} is a value an entry whose name hashes to {@code hash} may carry. */
  public static boolean fits(int stored, int hash) {
    return (stored & ~SUFFIX_MASK) == (hash & ~SUFFIX_MASK);
  }

  /**
   * The value to store for a name hashing to {@code hash}: the hash, or the next value with the
   * same prefix that {@code taken} does not hold.
   *
   * @return the value, or {@link #NONE_FREE} when every value of the prefix is taken (65,536
   *     names whose hashes share their top 16 bits: only names chosen to collide do that)
   */
  public static long unique(int hash, IntPredicate taken) {
    int prefix = hash & ~SUFFIX_MASK;
    for (int k = 0; k <= SUFFIX_MASK; k++) {
      int v = prefix | ((hash + k) & SUFFIX_MASK);
      if (!taken.test(v)) {
        return v;
      }
    }
    return NONE_FREE;
  }
}
