package org.gfsj.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buffers of one serving thread: requests are read from /dev/fuse into a request buffer and
 * answered from its own reply buffer. Write data arrives in the request buffer and read data is
 * put straight into the reply buffer, both direct, so file contents are copied only between the
 * kernel and those buffers.
 */
final class FuseWorker {
  private static final Logger LOG = LoggerFactory.getLogger(FuseWorker.class);
  /** Room for the largest request: headers (80 bytes) and a write of max_write bytes. */
  static final int HEADROOM = 4096;

  private final FuseDevice device;
  private final int capacity;
  private final FuseRequest request;
  private final FuseReply reply;

  FuseWorker(FuseDevice device, int maxWrite) {
    this.device = device;
    this.capacity = maxWrite + HEADROOM;
    ByteBuffer in = ByteBuffer.allocateDirect(capacity);
    this.request = new FuseRequest(in, device.address(in));
    this.reply = new FuseReply(device, ByteBuffer.allocateDirect(capacity));
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
