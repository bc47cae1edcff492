package org.gfsj.fs.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ACL attribute's bytes, its validity rules, and its relation to the mode's bits. */
class PosixAclTest {
  /** An ACL in setfacl's short text, e.g. "u::rw-,u:1000:r--,g::r--,m::rw-,o::---". */
  static PosixAcl acl(String text) {
    return new PosixAcl(entries(text));
  }

  static List<PosixAcl.Entry> entries(String text) {
    List<PosixAcl.Entry> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String[] f = part.split(":");
      int perm = (f[2].charAt(0) == 'r' ? 4 : 0) | (f[2].charAt(1) == 'w' ? 2 : 0)
          | (f[2].charAt(2) == 'x' ? 1 : 0);
      boolean named = !f[1].isEmpty();
      int tag = switch (f[0]) {
        case "u" -> named ? PosixAcl.USER : PosixAcl.USER_OBJ;
        case "g" -> named ? PosixAcl.GROUP : PosixAcl.GROUP_OBJ;
        case "m" -> PosixAcl.MASK;
        default -> PosixAcl.OTHER;
      };
      out.add(new PosixAcl.Entry(tag, perm, named ? Integer.parseInt(f[1])
          : PosixAcl.UNDEFINED_ID));
    }
    return out;
  }

  /** The bytes of {@code entries} as setfacl hands them over, valid or not. */
  private static byte[] raw(List<PosixAcl.Entry> entries) {
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(2);
    for (PosixAcl.Entry e : entries) {
      b.putShort((short) e.tag()).putShort((short) e.perm()).putInt(e.id());
    }
    return b.array();
  }

  @Test
  void encodesLinuxLittleEndianFormatAndDecodesItBack() throws Exception {
    PosixAcl a = acl("u::rw-,u:1000:r-x,g::r--,g:50:rw-,m::rwx,o::---");
    byte[] bytes = a.encode();
    assertEquals(4 + 6 * 8, bytes.length);
    // version 2, then user:: rw- with the undefined id, as the kernel writes it
    assertArrayEquals(new byte[] {2, 0, 0, 0, 1, 0, 6, 0, -1, -1, -1, -1},
        java.util.Arrays.copyOf(bytes, 12));
    // user:1000 r-x
    assertArrayEquals(new byte[] {2, 0, 5, 0, (byte) 0xe8, 3, 0, 0},
        java.util.Arrays.copyOfRange(bytes, 12, 20));
    assertEquals(a, PosixAcl.decode(bytes));
    assertEquals("user::rw-,user:1000:r-x,group::r--,group:50:rw-,mask::rwx,other::---",
        a.toString());
  }

  @Test
  void anEmptyListMeansRemove() throws Exception {
    assertNull(PosixAcl.decode(new byte[] {2, 0, 0, 0}));
  }

  private static void invalid(String why, byte[] value) {
    PosixAcl.InvalidAclException e = assertThrows(PosixAcl.InvalidAclException.class,
        () -> PosixAcl.decode(value), why);
    assertFalse(e.unknownVersion(), why);
  }

  @Test
  void rejectsMalformedLists() {
    invalid("no header", new byte[] {2, 0});
    invalid("a partial entry", java.util.Arrays.copyOf(raw(entries("u::rw-,g::r--,o::r--")), 27));
    invalid("no other entry", raw(entries("u::rw-,g::r--")));
    invalid("no owner entry", raw(entries("g::r--,o::r--")));
    invalid("owning group missing", raw(entries("u::rw-,o::r--")));
    invalid("two owner entries", raw(entries("u::rw-,u::rw-,g::r--,o::r--")));
    invalid("named user after the group", raw(entries("u::rw-,g::r--,u:5:r--,m::r--,o::r--")));
    invalid("named entries without a mask", raw(entries("u::rw-,u:5:r--,g::r--,o::r--")));
    invalid("unsorted users", raw(entries("u::rw-,u:7:r--,u:5:r--,g::r--,m::r--,o::r--")));
    invalid("duplicate group", raw(entries("u::rw-,g::r--,g:9:r--,g:9:rw-,m::r--,o::r--")));
    invalid("mask after other", raw(entries("u::rw-,u:5:r--,g::r--,o::r--,m::r--")));
    invalid("two masks", raw(entries("u::rw-,u:5:r--,g::r--,m::r--,m::r--,o::r--")));
    invalid("undefined id on a named user",
        raw(List.of(new PosixAcl.Entry(PosixAcl.USER_OBJ, 6, -1),
            new PosixAcl.Entry(PosixAcl.USER, 6, -1), new PosixAcl.Entry(PosixAcl.GROUP_OBJ, 4, -1),
            new PosixAcl.Entry(PosixAcl.MASK, 4, -1), new PosixAcl.Entry(PosixAcl.OTHER, 4, -1))));
    invalid("permission bits beyond rwx",
        raw(List.of(new PosixAcl.Entry(PosixAcl.USER_OBJ, 8, -1),
            new PosixAcl.Entry(PosixAcl.GROUP_OBJ, 4, -1),
            new PosixAcl.Entry(PosixAcl.OTHER, 4, -1))));
    invalid("unknown tag", raw(List.of(new PosixAcl.Entry(PosixAcl.USER_OBJ, 6, -1),
        new PosixAcl.Entry(PosixAcl.GROUP_OBJ, 4, -1), new PosixAcl.Entry(0x40, 4, -1),
        new PosixAcl.Entry(PosixAcl.OTHER, 4, -1))));
    assertThrows(IllegalArgumentException.class, () -> acl("u::rw-,o::r--"));
  }

  @Test
  void anotherVersionIsNotSupportedRatherThanInvalid() {
    byte[] v = acl("u::rw-,g::r--,o::r--").encode();
    v[0] = 1;
    assertTrue(assertThrows(PosixAcl.InvalidAclException.class, () -> PosixAcl.decode(v))
        .unknownVersion());
  }

  @Test
  void theGroupBitsOfTheModeAreTheMaskWhenThereIsOne() {
    assertEquals(0640, acl("u::rw-,g::r--,o::---").modeBits());
    assertEquals(0674, acl("u::rw-,u:5:rwx,g::r--,m::rwx,o::r--").modeBits());
    assertTrue(acl("u::rw-,g::r--,o::---").isMinimal());
    assertFalse(acl("u::rw-,g::r--,m::r--,o::---").isMinimal());
    assertEquals(acl("u::rwx,g::r-x,o::r--"), PosixAcl.ofMode(0754));
  }

  @Test
  void chmodSetsOwnerMaskAndOtherButLeavesTheOwningGroupBehindAMask() {
    assertEquals(acl("u::r-x,u:5:rwx,g::rw-,m::--x,o::r--"),
        acl("u::rw-,u:5:rwx,g::rw-,m::rwx,o::---").withMode(0514));
    assertEquals(acl("u::r-x,g::--x,o::r--"), acl("u::rw-,g::rw-,o::---").withMode(0514));
  }

  @Test
  void inheritanceMasksTheCreateModeByTheDefaultAcl() {
    PosixAcl def = acl("u::rwx,u:5:rwx,g::r-x,m::r-x,o::---");
    // open(O_CREAT, 0666): owner rw-, mask r-- (r-x ∩ rw-), other --- ; named entries kept
    PosixAcl.Inherited file = def.inheritedBy(0100666);
    assertEquals(0100640, file.mode());
    assertEquals(acl("u::rw-,u:5:rwx,g::r-x,m::r--,o::---"), file.acl());
    // mkdir 0777 keeps the default's bits
    PosixAcl.Inherited dir = def.inheritedBy(040777);
    assertEquals(040750, dir.mode());
    assertEquals(def, dir.acl());
    // a minimal default gives a mode alone
    PosixAcl.Inherited plain = acl("u::rwx,g::r-x,o::r-x").inheritedBy(0100600);
    assertEquals(0100600, plain.mode());
    assertNull(plain.acl());
  }
}
