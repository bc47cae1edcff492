package org.gfsj.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.gfsj.fs.format.CorruptMetadataException;
import org.gfsj.fs.format.DirectoryLeaf;

/** A leaf block of a hashed directory as the cache holds it: its header and its records. */
final class Leaf {
  final long address;
  final BufferCache.Buffer buffer;
  /** The records, index 0 at the first record. */
  final ByteBuffer area;

  private Leaf(BufferCache.Buffer buffer) {
    this.address = buffer.address;
    this.buffer = buffer;
    this.area = DirectoryLeaf.area(buffer.data);
  }

  /** Leaf {@code address} of directory {@code dir}, read and checked the first time. */
  static Leaf read(Inode dir, BufferCache cache, long address) throws IOException {
    Leaf leaf = new Leaf(cache.read(address, dir.glock(), DirectoryLeaf::check));
    if (DirectoryLeaf.owner(leaf.buffer.data) != dir.ino()) {
      throw new CorruptMetadataException(address, "directory leaf belongs to inode "
          + DirectoryLeaf.owner(leaf.buffer.data) + ", but directory " + dir.ino()
          + " points at it");
    }
    return leaf;
  }

  /** A new empty leaf of {@code depth} for {@code dir} in the newly allocated block. */
  static Leaf fresh(Inode dir, BufferCache cache, long address, int depth) {
    BufferCache.Buffer b = cache.fresh(address, dir.glock());
    DirectoryLeaf.start(b.data, address, depth, dir.ino());
    return new Leaf(b);
  }

  int depth() {
    return DirectoryLeaf.depth(buffer.data);
  }

  void depth(int depth) {
    DirectoryLeaf.depth(buffer.data, depth);
  }

  int entries() {
    return DirectoryLeaf.entries(buffer.data);
  }

  void entries(int entries) {
    DirectoryLeaf.entries(buffer.data, entries);
  }

  long next() {
    return DirectoryLeaf.next(buffer.data);
  }

  void next(long next) {
    DirectoryLeaf.next(buffer.data, next);
  }
}
