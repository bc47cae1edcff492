package org.gfsj.journal.nbd;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Native epoll where Netty can load it (Linux), the JDK's NIO elsewhere.
 *
 * <p>The epoll classes are a runtime dependency of this module, so that it compiles and runs where
 * they do not exist; they are therefore reached by name.
 */
final class NbdTransport {
  private static final String EPOLL = "io.netty.channel.epoll.";
  private static final Epoll NATIVE = Epoll.load();

  private NbdTransport() {}

  /** Whether native epoll is in use. */
  static boolean epoll() {
    return NATIVE != null;
  }

  /** A group of one event loop: one device's connections, timers and replies share a thread. */
  static EventLoopGroup newEventLoop(String threadName) {
    IoHandlerFactory factory = NATIVE != null ? NATIVE.factory : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(1, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    }, factory);
  }

  static Class<? extends SocketChannel> channelClass() {
    return NATIVE != null ? NATIVE.channelClass : NioSocketChannel.class;
  }

  private record Epoll(IoHandlerFactory factory, Class<? extends SocketChannel> channelClass) {
    static Epoll load() {
      try {
        Class<?> epoll = Class.forName(EPOLL + "Epoll");
        if (!(Boolean) epoll.getMethod("isAvailable").invoke(null)) {
          return null;
        }
        IoHandlerFactory factory = (IoHandlerFactory) Class.forName(EPOLL + "EpollIoHandler")
            .getMethod("newFactory").invoke(null);
        Class<? extends SocketChannel> channel =
            Class.forName(EPOLL + "EpollSocketChannel").asSubclass(SocketChannel.class);
        return new Epoll(factory, channel);
      } catch (ReflectiveOperationException | LinkageError e) {
        return null;
      }
    }
  }
}
