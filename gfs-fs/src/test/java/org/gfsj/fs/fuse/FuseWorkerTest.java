package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FuseWorkerTest {
  @Test
  void writeDataAndReadRepliesStartAPageSoTheyCanGoToDirectIoAsTheyAre() {
    ByteBuffer request = FuseWorker.pageAlignedAfter(FuseWorker.WRITE_HEADERS, 1 << 20);
    ByteBuffer reply = FuseWorker.pageAlignedAfter(FuseWorker.REPLY_HEADER, 1 << 20);
    assertTrue(request.isDirect() && reply.isDirect());
    assertEquals(0, request.alignmentOffset(FuseWorker.WRITE_HEADERS, 4096));
    assertEquals(0, reply.alignmentOffset(FuseWorker.REPLY_HEADER, 4096));
    assertEquals(1 << 20, request.capacity());
    assertEquals(1 << 20, reply.clear().remaining());
  }
}
