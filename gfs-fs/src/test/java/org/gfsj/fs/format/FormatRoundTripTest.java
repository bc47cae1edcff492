package org.gfsj.fs.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FormatRoundTripTest {
  private static final int BS = 4096;

  private static ByteBuffer block() {
    return ByteBuffer.allocate(BS);
  }

  private static void flipByte(ByteBuffer b, int at) {
    b.put(at, (byte) (b.get(at) ^ 0x10));
  }

  static Dinode dinode(long address) {
    return new Dinode(address, FileType.REGULAR.modeBits() | 0644, 1000, 100, 1, 11, 1,
        new Timestamp(1_700_000_000L, 1), new Timestamp(1_700_000_001L, 999_999_999),
        new Timestamp(1_700_000_002L, 3), 0, 42, 0, 0, 0, 0, 0, 0, address);
  }

  @ParameterizedTest
  @ValueSource(ints = {1024, 4096, 65536})
  void superBlockRoundTripsAtEveryBlockSize(int bs) throws Exception {
    SuperBlock sb = new SuperBlock(SuperBlock.FORMAT_VERSION, bs, 1L << 24, 200, 100, 65536, UUID.randomUUID(),
        LockProtocol.LOCKD, "alpha:data");
    ByteBuffer b = ByteBuffer.allocate(bs);
    sb.encode(b);
    assertEquals(bs, SuperBlock.peekBlockSize(b));
    assertEquals(sb, SuperBlock.decode(b));
    assertEquals(65536 / bs, SuperBlock.address(bs));
  }

  @Test
  void corruptSuperBlockNamesTheBlockAndFsck() {
    SuperBlock sb = new SuperBlock(1, BS, 1000, 40, 30, 256, UUID.randomUUID(),
        LockProtocol.NOLOCK, "");
    ByteBuffer b = block();
    sb.encode(b);
    flipByte(b, 150);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> SuperBlock.decode(b));
    assertEquals(16, e.block());
    assertTrue(e.getMessage().startsWith("block 16: superblock has a bad CRC32C"), e.getMessage());
    assertTrue(e.getMessage().endsWith("run fsck.gfsj on the device"), e.getMessage());
  }

  @Test
  void resourceGroupHeaderRoundTripsAndChecksItsLayout() throws Exception {
    ResourceGroupHeader h = new ResourceGroupHeader(17, 21, 65536, 3, 65532, 60000, 12, 13);
    ByteBuffer b = block();
    h.encode(b);
    assertEquals(h, ResourceGroupHeader.decode(b, 17));
    CorruptMetadataException misplaced = assertThrows(CorruptMetadataException.class,
        () -> ResourceGroupHeader.decode(b, 18));
    assertTrue(misplaced.getMessage().contains("carries the address 17"), misplaced.getMessage());

    new ResourceGroupHeader(17, 22, 65536, 3, 65532, 60000, 12, 13).encode(b);
    CorruptMetadataException layout = assertThrows(CorruptMetadataException.class,
        () -> ResourceGroupHeader.decode(b, 17));
    assertTrue(layout.getMessage().contains("impossible layout"), layout.getMessage());
  }

  @Test
  void bitmapHoldsTwoBitsPerBlockInGfs2Order() throws Exception {
    ByteBuffer b = block();
    Bitmap.start(b, 18);
    Bitmap.fill(b, 3, 10, BlockState.USED);
    Bitmap.set(b, 5, BlockState.DINODE);
    Bitmap.set(b, 20, BlockState.UNLINKED);
    Bitmap.seal(b);
    Bitmap.check(b, 18);
    assertEquals(BlockState.FREE, Bitmap.get(b, 2));
    assertEquals(BlockState.USED, Bitmap.get(b, 3));
    assertEquals(BlockState.DINODE, Bitmap.get(b, 5));
    assertEquals(BlockState.USED, Bitmap.get(b, 12));
    assertEquals(BlockState.FREE, Bitmap.get(b, 13));
    assertEquals(BlockState.UNLINKED, Bitmap.get(b, 20));
    // block 3 is the high pair of the first byte: 01 << 6
    assertEquals((byte) 0x40, b.get(MetadataHeader.SIZE));
    assertEquals((BS - 24) * 4, Bitmap.blocksPerBitmapBlock(BS));
    flipByte(b, 100);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> Bitmap.check(b, 18));
    assertTrue(e.getMessage().startsWith("block 18: bitmap block has a bad CRC32C"));
  }

  @Test
  void dinodeRoundTripsWithStuffedData() throws Exception {
    Dinode d = dinode(1234);
    ByteBuffer b = block();
    d.encode(b, ByteBuffer.wrap("hello world".getBytes()));
    assertEquals(d, Dinode.decode(b, 1234));
    byte[] data = new byte[11];
    Dinode.dataArea(b).get(data);
    assertArrayEquals("hello world".getBytes(), data);
    assertEquals(BS - 192, Dinode.dataArea(b).capacity());
  }

  @Test
  void dinodeExtentsRoundTrip() throws Exception {
    Extent[] extents = {new Extent(0, 5000, 100, 0), new Extent(1L << 30, 9000, 1, Extent.UNWRITTEN)};
    ByteBuffer data = ByteBuffer.allocate(extents.length * Extent.SIZE);
    for (int i = 0; i < extents.length; i++) {
      extents[i].encode(data, i * Extent.SIZE);
    }
    Dinode d = new Dinode(77, FileType.REGULAR.modeBits() | 0600, 0, 0, 1, (1L << 42), 102,
        new Timestamp(0, 0), new Timestamp(0, 0), new Timestamp(0, 0), Dinode.FLAG_SYSTEM, 1, 0,
        0, 1, extents.length, 0, 0, 0);
    ByteBuffer b = block();
    d.encode(b, data);
    Dinode back = Dinode.decode(b, 77);
    assertEquals(d, back);
    assertArrayEquals(extents, back.decodeExtents(b));
  }

  @Test
  void dinodeWithImpossibleFieldsIsCorrupt() {
    ByteBuffer b = block();
    dinode(9).encode(b, ByteBuffer.allocate(0));
    b.putInt(24, 0777); // no type bits
    MetadataHeader.seal(b);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> Dinode.decode(b, 9));
    assertTrue(e.getMessage().contains("names no file type"), e.getMessage());
  }

  @Test
  void corruptDinodeNamesItsAddress() {
    ByteBuffer b = block();
    dinode(123456789L).encode(b, ByteBuffer.allocate(0));
    flipByte(b, BS - 1);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> Dinode.decode(b, 123456789L));
    assertEquals(123456789L, e.block());
    assertTrue(e.getMessage().contains("block 123456789: dinode has a bad CRC32C"));
    assertTrue(e.on("/dev/sdb").getMessage().startsWith("/dev/sdb: block 123456789"));
  }

  @Test
  void wrongTypeIsNamed() {
    ByteBuffer b = block();
    Bitmap.start(b, 50);
    Bitmap.seal(b);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> Dinode.decode(b, 50));
    assertTrue(e.getMessage().contains("expected a dinode but found a bitmap block"));
    ByteBuffer zero = block();
    CorruptMetadataException z = assertThrows(CorruptMetadataException.class,
        () -> Dinode.decode(zero, 51));
    assertTrue(z.getMessage().contains("not GFSJ metadata"));
  }

  @Test
  void linearDirectoryRoundTripsAndCoversItsArea() throws Exception {
    List<DirectoryEntry> entries = List.of(
        new DirectoryEntry(".", 100, FileType.DIRECTORY),
        new DirectoryEntry("..", 100, FileType.DIRECTORY),
        new DirectoryEntry("x".repeat(255), 5, FileType.REGULAR),
        new DirectoryEntry("dev", 6, FileType.BLOCK_DEVICE),
        new DirectoryEntry("ünïcödé", 7, FileType.SYMLINK));
    ByteBuffer area = ByteBuffer.allocate(BS - 192);
    DirectoryEntry.writeLinear(entries, area);
    assertEquals(entries, DirectoryEntry.readLinear(area, 100));
    assertEquals(NameHash.of("dev"), area.getInt(24 + 24 + 272 + 8));
    assertTrue(DirectoryEntry.readLinear(emptyDir(), 1).isEmpty());
    assertThrows(IllegalArgumentException.class,
        () -> new DirectoryEntry("y".repeat(256), 1, FileType.REGULAR));
  }

  private static ByteBuffer emptyDir() {
    ByteBuffer area = ByteBuffer.allocate(512);
    DirectoryEntry.writeLinear(List.of(), area);
    return area;
  }

  @Test
  void brokenDirectoryChainIsCorrupt() {
    ByteBuffer area = ByteBuffer.allocate(512);
    DirectoryEntry.writeLinear(List.of(new DirectoryEntry("a", 3, FileType.REGULAR)), area);
    area.putShort(12, (short) 13);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> DirectoryEntry.readLinear(area, 88));
    assertTrue(e.getMessage().startsWith("block 88: directory record at byte 0"));
  }

  @Test
  void indexRecordsRoundTripAndCarryTheirOwnCrc() throws Exception {
    ByteBuffer b = block();
    JournalIndexEntry j = new JournalIndexEntry(3, 500, 501, 32768);
    ResourceGroupIndexEntry r = new ResourceGroupIndexEntry(17, 20, 65536, 3, 65532);
    StatfsChange s = new StatfsChange(1000, -5, 7);
    j.encode(b, 0);
    r.encode(b, 32);
    s.encode(b, 64);
    assertEquals(j, JournalIndexEntry.decode(b, 0, 9));
    assertEquals(r, ResourceGroupIndexEntry.decode(b, 32, 9));
    assertEquals(s, StatfsChange.decode(b, 64, 9));
    assertTrue(r.matches(new ResourceGroupHeader(17, 20, 65536, 3, 65532, 1, 0, 1)));
    flipByte(b, 40);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
        () -> ResourceGroupIndexEntry.decode(b, 32, 9));
    assertTrue(e.getMessage().startsWith("block 9: resource group index record at byte 32"));
  }
}
