package org.gfsj.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gfsj.fs.format.Extent;
import org.junit.jupiter.api.Test;

class BlockMapTest {
  private static final int U = Extent.UNWRITTEN;

  @Test
  void unwrittenRunsSplitWhereWritesLandAndJoinAgainWhenAllIsWritten() {
    BlockMap map = new BlockMap();
    map.add(0, 1000, 10, U);
    map.add(20, 1020, 5); // written, after a hole
    assertEquals(List.of(new Extent(0, 1000, 10, U), new Extent(20, 1020, 5, 0)), map.all());

    assertTrue(map.setFlags(3, 5, 0));
    assertEquals(List.of(new Extent(0, 1000, 3, U), new Extent(3, 1003, 2, 0),
        new Extent(5, 1005, 5, U), new Extent(20, 1020, 5, 0)), map.all());

    assertTrue(map.setFlags(0, 25, 0), "the hole at 10..19 stays a hole");
    assertEquals(List.of(new Extent(0, 1000, 10, 0), new Extent(20, 1020, 5, 0)), map.all());
    assertFalse(map.setFlags(0, 25, 0), "nothing left to change");

    assertTrue(map.setFlags(22, 100, U), "a range running past the last extent");
    assertEquals(List.of(new Extent(0, 1000, 10, 0), new Extent(20, 1020, 2, 0),
        new Extent(22, 1022, 3, U)), map.all());
  }

  @Test
  void runsWithDifferentFlagsAreNotJoined() {
    BlockMap map = new BlockMap();
    map.add(0, 500, 4);
    map.add(4, 504, 4, U);
    map.add(8, 508, 4);
    assertEquals(3, map.size());
    map.setFlags(4, 8, 0);
    assertEquals(List.of(new Extent(0, 500, 12, 0)), map.all());
  }
}
