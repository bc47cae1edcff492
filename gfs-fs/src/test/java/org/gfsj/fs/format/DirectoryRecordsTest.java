package org.gfsj.fs.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one-walk search and the raw-record split that directory operations use, checked against
 * the record-by-record operations they replace, and the in-place dinode update against encode.
 */
class DirectoryRecordsTest {
  private static final int AREA = 4096 - DirectoryLeaf.RECORDS;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** An area holding {@code names} written compactly, then {@code removed} removed. */
  private static ByteBuffer area(List<String> names, List<String> removed)
      throws CorruptMetadataException {
    ByteBuffer area = ByteBuffer.allocate(AREA);
    List<DirectoryEntry> entries = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      entries.add(new DirectoryEntry(names.get(i), 100 + i, FileType.REGULAR));
    }
    DirectoryRecords.writeCompact(area, entries);
    for (String r : removed) {
      DirectoryRecords.remove(area, DirectoryRecords.find(area, utf8(r)));
    }
    DirectoryRecords.check(area, 1);
    return area;
  }

  @Test
  void aWalkFindsWhatFindFindsAndTheRecordBefore() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      names.add("name-" + i);
    }
    ByteBuffer area = area(names, List.of("name-7", "name-30"));
    for (String n : names) {
      RecordSearch s = new RecordSearch(utf8(n), NameHash.of(n));
      int expected = DirectoryRecords.find(area, utf8(n));
      assertEquals(expected >= 0, s.walk(area), n);
      assertEquals(expected, s.found(), n);
      if (expected > 0) {
        assertEquals(expected, DirectoryRecords.after(area, s.before()), n + ": the record before");
      }
    }
    // same length, same bytes but one: never taken for the name
    RecordSearch other = new RecordSearch(utf8("name-99"), NameHash.of("name-99"));
    assertFalse(other.walk(area));
    assertEquals(DirectoryRecords.room(area, DirectoryRecords.need(7)), other.room());
    assertFalse(other.hashStored());
  }

  @Test
  void aWalkSeesTheNamesOwnHashStoredByAnother() {
    ByteBuffer area = ByteBuffer.allocate(AREA);
    int hash = NameHash.of("wanted");
    DirectoryRecords.writeCompact(area, List.of(new DirectoryEntry("a", 5, FileType.REGULAR),
        new DirectoryEntry("other", 6, FileType.REGULAR, hash)));
    RecordSearch s = new RecordSearch(utf8("wanted"), hash);
    assertFalse(s.walk(area));
    assertTrue(s.hashStored(), "the value is taken: the new entry needs another");
  }

  @Test
  void aWalkOfAFullAreaFindsNoRoom() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; DirectoryEntry.linearSize(names.stream()
        .map(n -> new DirectoryEntry(n, 1, FileType.REGULAR)).toList()) + 40 <= AREA; i++) {
      names.add(String.format("full-%05d", i));
    }
    ByteBuffer area = area(names, List.of());
    RecordSearch s = new RecordSearch(utf8("a-name-of-forty-bytes-or-so-0123456789"),
        NameHash.of("a-name-of-forty-bytes-or-so-0123456789"));
    assertFalse(s.walk(area));
    assertEquals(-1, s.room());
  }

  @Test
  void splitWritesWhatWriteCompactOfEachHalfWrites() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      names.add("split-" + i);
    }
    ByteBuffer area = area(names, List.of("split-3", "split-50", "split-51"));
    List<DirectoryEntry> stay = new ArrayList<>();
    List<DirectoryEntry> move = new ArrayList<>();
    for (int at = DirectoryRecords.nextLive(area, 0); at >= 0;
        at = DirectoryRecords.nextLive(area, DirectoryRecords.after(area, at))) {
      DirectoryEntry e = DirectoryRecords.entry(area, at);
      (e.hash() < 0 ? move : stay).add(e);
    }
    ByteBuffer expectedStay = ByteBuffer.allocate(AREA);
    ByteBuffer expectedMove = ByteBuffer.allocate(AREA);
    DirectoryRecords.writeCompact(expectedStay, stay);
    DirectoryRecords.writeCompact(expectedMove, move);

    ByteBuffer other = ByteBuffer.allocate(AREA);
    other.put(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    assertEquals(move.size(), DirectoryRecords.split(area, other, v -> v < 0));
    assertArrayEquals(expectedStay.array(), area.array());
    assertArrayEquals(expectedMove.array(), other.array());
  }

  @Test
  void splitOfEverythingLeavesAFreeArea() throws Exception {
    ByteBuffer area = area(List.of("one", "two"), List.of());
    ByteBuffer other = ByteBuffer.allocate(AREA);
    assertEquals(2, DirectoryRecords.split(area, other, v -> true));
    assertEquals(-1, DirectoryRecords.nextLive(area, 0));
    assertEquals(AREA, DirectoryRecords.length(area, 0));
    assertTrue(DirectoryRecords.find(other, utf8("two")) >= 0);
  }

  @Test
  void removeWithAWrongRecordBeforeIsRefused() throws Exception {
    ByteBuffer area = area(List.of("one", "two", "three"), List.of());
    int three = DirectoryRecords.find(area, utf8("three"));
    assertThrows(IllegalArgumentException.class, () -> DirectoryRecords.remove(area, three, 0));
  }

  @Test
  void aDinodeUpdatedInPlaceAndSealedIsTheEncodedBlock() throws Exception {
    Dinode d = FormatRoundTripTest.dinode(77);
    ByteBuffer data = ByteBuffer.wrap(new byte[] {9, 8, 7});
    ByteBuffer encoded = ByteBuffer.allocate(4096);
    d.encode(encoded, data.duplicate());

    ByteBuffer updated = ByteBuffer.allocate(4096);
    java.util.Arrays.fill(updated.array(), (byte) 0x5a);
    d.update(updated, data.duplicate());
    assertThrows(CorruptMetadataException.class, () -> Dinode.decode(updated, 77),
        "not sealed: the transaction seals it");
    assertEquals(d, Dinode.decodeCached(updated, 77));
    MetadataHeader.seal(updated);
    assertArrayEquals(encoded.array(), updated.array());
  }
}
