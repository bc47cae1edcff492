package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buffers of one serving thread: requests are read from /dev/fuse into a request buffer and
 * answered from its own reply buffer. Write data arrives in the request buffer and read data is
 * put straight into the reply buffer, both direct and placed so that the data starts a page, so
 * file contents are copied only between the kernel and those buffers.
 */
final class FuseWorker {
  private static final Logger LOG = LoggerFactory.getLogger(FuseWorker.class);
  /** Room for the largest request: headers (80 bytes) and a write of max_write bytes. */
  static final int HEADROOM = 4096;
  private static final int PAGE = 4096;
  /** fuse_in_header and fuse_write_in: a WRITE's data starts after them. */
  static final int WRITE_HEADERS = 40 + 40;
  /** fuse_out_header: a READ's data starts after it. */
  static final int REPLY_HEADER = 16;

  private final FuseDevice device;
  private final int capacity;
  private final FuseRequest request;
  private final FuseReply reply;

  FuseWorker(FuseDevice device, int maxWrite) {
    this.device = device;
    this.capacity = maxWrite + HEADROOM;
    ByteBuffer in = pageAlignedAfter(WRITE_HEADERS, capacity);
    this.request = new FuseRequest(in, device.address(in));
    this.reply = new FuseReply(device, pageAlignedAfter(REPLY_HEADER, capacity));
  }

  /**
   * A direct buffer of {@code capacity} bytes whose byte {@code header} starts a page, so that the
   * file data after a request's or a reply's headers can go to and from an O_DIRECT device as it
   * is, with no staging copy.
   */
  static ByteBuffer pageAlignedAfter(int header, int capacity) {
    ByteBuffer pages = ByteBuffer.allocateDirect(capacity + 2 * PAGE).alignedSlice(PAGE);
    return pages.slice(PAGE - header, capacity);
  }

  FuseRequest request() {
    return request;
  }

  FuseReply reply() {
    return reply;
  }

  /** Reads the next request into this worker's buffer; false once the connection has ended. */
  boolean next() throws IOException {
    while (true) {
      request.buffer().clear();
      int n = device.read(request.address(), capacity);
      if (n < 0) {
        return false;
      }
      if (request.load(n)) {
        return true;
      }
      LOG.error("dropped a malformed FUSE request of {} bytes", n);
    }
  }
}
