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
    this.request = newRequest();
    this.reply = new FuseReply(device, ByteBuffer.allocateDirect(capacity));
  }

  /** A request buffer as large as this worker's. */
  FuseRequest newRequest() {
    ByteBuffer in = ByteBuffer.allocateDirect(capacity);
    return new FuseRequest(in, device.address(in));
  }

  FuseRequest request() {
    return request;
  }

  FuseReply reply() {
    return reply;
  }

  /** Reads the next request into this worker's own buffer; false once the connection ended. */
  boolean next() throws IOException {
    return next(request);
  }

  /** Reads the next request into {@code into}; false once the connection has ended. */
  boolean next(FuseRequest into) throws IOException {
    while (true) {
      into.buffer().clear();
      int n = device.read(into.address(), capacity);
      if (n < 0) {
        return false;
      }
      if (into.load(n)) {
        return true;
      }
      LOG.error("dropped a malformed FUSE request of {} bytes", n);
    }
  }
}
