package org.gfsj.journal.nbd;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.PlatformDependent;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gfsj.journal.device.BlockDeviceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to one NBD export that survives the server going away and coming back.
 *
 * <p><b>Threads.</b> Callers on any thread {@link #submit} requests into a queue; the client's one
 * event loop drains the queue, gives each request its handle in the {@link InFlightRequests} table,
 * writes them all and flushes the socket once, so that many requests submitted together cost one
 * system call. Everything else — the table, the current channel, replies, timeouts, reconnecting —
 * happens on that event loop and needs no lock.
 *
 * <p><b>Pipeline.</b> {@link NbdHandshakeHandler} (removes itself once the export is agreed),
 * {@link NbdReplyDecoder} (bytes to replies), {@link NbdReplyHandler} (replies to the requests they
 * answer, by handle) and {@link NbdRequestEncoder} (requests to bytes).
 *
 * <p><b>Timeouts.</b> Every request has a deadline, {@code requestTimeout} after submission,
 * reconnecting included; a sweep every tick fails the requests past it. A request that timed out
 * on the live connection stays in the table, abandoned, until its late reply arrives (and is
 * dropped) or the connection ends, because only the table knows how many data bytes a read's reply
 * carries.
 *
 * <p><b>Reconnecting.</b> When the connection drops, the client connects again after a short wait
 * that doubles each time, up to {@code reconnectAttempts} times, handshakes, checks that the export
 * still has the same size, and sends every request that has no reply yet, oldest first. A request
 * ends exactly once: a reply removes it from the table before its future completes, so an answered
 * write is never sent again and an unanswered one is never lost. When every attempt fails, the
 * waiting requests fail with the last connection error; the next request starts a new round.
 *
 * <p>What a reconnect cannot give back is what a server's crash (not a restart of the process) may
 * lose: writes it acknowledged but had not flushed, as with a disk's volatile cache. Callers that
 * need durability flush or use FUA, as they must with any disk.
 */
final class NbdClient implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(NbdClient.class);
  private static final NbdRequestEncoder ENCODER = new NbdRequestEncoder();
  /** Receive buffers grow to 1 MiB so that a large read arrives in few socket reads. */
  private static final int MAX_RECEIVE_BUFFER = 1 << 20;

  private final NbdAddress address;
  private final String name;
  private final NbdClientOptions options;
  private final int blockSize;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final InFlightRequests inFlight = new InFlightRequests();
  private final Queue<NbdRequest> submitted = PlatformDependent.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final ScheduledFuture<?> sweeper;
  private volatile NbdExport export;
  private volatile boolean closed;

  // Event-loop state.
  private Channel channel;
  private long connectionId;
  private boolean reconnecting;
  private Throwable lastConnectError;

  private NbdClient(NbdAddress address, NbdClientOptions options, int blockSize) {
    this.address = address;
    this.name = address.toString();
    this.options = options;
    this.blockSize = blockSize;
    this.group = NbdTransport.newEventLoop("nbd " + name);
    this.loop = group.next();
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis());
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channel(NbdTransport.channelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
        .option(ChannelOption.RECVBUF_ALLOCATOR,
            new AdaptiveRecvByteBufAllocator(512, 64 << 10, MAX_RECEIVE_BUFFER))
        .remoteAddress(address.host(), address.port());
    long tick = Math.max(10, Math.min(100, options.requestTimeout().toMillis() / 10));
    this.sweeper = loop.scheduleAtFixedRate(this::expire, tick, tick, TimeUnit.MILLISECONDS);
  }

  /**
   * Connects and handshakes once, without retrying: a wrong address or export name fails at once
   * with an error that says which.
   */
  static NbdClient connect(NbdAddress address, NbdClientOptions options, int blockSize)
      throws IOException {
    NbdClient client = new NbdClient(address, options, blockSize);
    try {
      CompletableFuture<Void> up = new CompletableFuture<>();
      client.loop.execute(() -> client.connectOnce().whenComplete((c, err) -> {
        if (err != null) {
          up.completeExceptionally(err);
        } else {
          client.established(c);
          up.complete(null);
        }
      }));
      await(up, options.connectTimeout().multipliedBy(2).plusSeconds(1), client.name);
      return client;
    } catch (IOException | RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  /** The export as the first handshake described it. */
  NbdExport export() {
    return export;
  }

  /** The address, as an operator wrote it. */
  String name() {
    return name;
  }

  /**
   * Queues {@code request}; its future completes on the event loop when the reply arrives, or
   * fails when it times out or the client closes.
   */
  CompletableFuture<Void> submit(NbdRequest request) {
    if (closed) {
      request.fail(new BlockDeviceException(name, "is closed"));
      return request.future;
    }
    submitted.add(request);
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
    return request.future;
  }

  /** A deadline {@code requestTimeout} from now, for a request about to be submitted. */
  long deadline() {
    return System.nanoTime() + options.requestTimeout().toNanos();
  }

  private void drain() {
    drainScheduled.set(false);
    boolean wrote = false;
    NbdRequest r;
    while ((r = submitted.poll()) != null) {
      inFlight.add(r);
      if (channel != null) {
        r.sentOn = connectionId;
        channel.write(r, channel.voidPromise());
        wrote = true;
      }
    }
    if (wrote) {
      channel.flush();
    } else if (channel == null && !inFlight.isEmpty()) {
      startReconnect();
    }
  }

  /** A connected channel whose handshake is done, and what it said about the export. */
  private record Connected(Channel channel, NbdExport export) {}

  private CompletableFuture<Connected> connectOnce() {
    CompletableFuture<NbdExport> handshake = new CompletableFuture<>();
    CompletableFuture<Connected> result = new CompletableFuture<>();
    ChannelFuture connecting = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline()
            .addLast("handshake", new NbdHandshakeHandler(name, address.exportName(), handshake))
            .addLast("replies", new NbdReplyDecoder(inFlight))
            .addLast("completion", new NbdReplyHandler(name, blockSize, inFlight))
            .addLast("requests", ENCODER);
      }
    }).connect();
    connecting.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(connectError(f.cause()));
        return;
      }
      Channel ch = f.channel();
      ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
        handshake.completeExceptionally(new BlockDeviceException(name, "no NBD handshake within "
            + seconds(options.connectTimeout()) + " of connecting; check that nbd-server on "
            + hostPort() + " is running and not stalled"));
        ch.close();
      }, options.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
      handshake.whenComplete((export, err) -> {
        timer.cancel(false);
        if (err != null) {
          ch.close();
          result.completeExceptionally(err);
        } else {
          result.complete(new Connected(ch, export));
        }
      });
    });
    return result;
  }

  private IOException connectError(Throwable cause) {
    if (cause instanceof ConnectException && !(cause instanceof ConnectTimeoutException)) {
      return new BlockDeviceException(name, "cannot connect to " + hostPort() + " ("
          + cause.getMessage() + "); start nbd-server there or check the address", cause);
    }
    if (cause instanceof ConnectTimeoutException) {
      return new BlockDeviceException(name, "no answer from " + hostPort() + " within "
          + seconds(options.connectTimeout()) + "; check the host and the network to it", cause);
    }
    return new BlockDeviceException(name, "cannot connect to " + hostPort() + ": " + cause,
        cause);
  }

  private void established(Connected c) {
    if (closed) {
      c.channel().close();
      return;
    }
    if (export == null) {
      export = c.export();
    } else if (export.size() != c.export().size()) {
      c.channel().close();
      reconnecting = false;
      failAll(new BlockDeviceException(name, "the export's size changed from " + export.size()
          + " to " + c.export().size() + " bytes across a reconnect: the server now exports"
          + " something else; check nbd-server's config before using this device again"));
      return;
    }
    connectionId++;
    channel = c.channel();
    reconnecting = false;
    lastConnectError = null;
    Channel ch = channel;
    ch.closeFuture().addListener((ChannelFutureListener) f -> connectionLost(ch));
    List<NbdRequest> resend = inFlight.unanswered();
    for (NbdRequest r : resend) {
      r.sentOn = connectionId;
      ch.write(r, ch.voidPromise());
    }
    ch.flush();
    if (connectionId > 1) {
      log.info("{}: connected again; sent {} unanswered requests again", name, resend.size());
    }
  }

  private void connectionLost(Channel ch) {
    if (ch != channel) {
      return;
    }
    channel = null;
    if (closed) {
      failAll(new BlockDeviceException(name, "closed before the server answered"));
      return;
    }
    log.warn("{}: lost the connection to the server with {} requests unanswered; reconnecting",
        name, inFlight.size());
    startReconnect();
  }

  private void startReconnect() {
    if (reconnecting || closed) {
      return;
    }
    reconnecting = true;
    attempt(0);
  }

  private void attempt(int n) {
    if (closed) {
      return;
    }
    if (n >= options.reconnectAttempts()) {
      reconnecting = false;
      failAll(new BlockDeviceException(name, "the server stayed unreachable through "
          + options.reconnectAttempts() + " reconnect attempts (last error: "
          + message(lastConnectError) + "); check that nbd-server is running on " + hostPort()
          + " and serves export '" + address.exportName() + "'"));
      return;
    }
    Duration delay = options.delayBefore(n);
    loop.schedule(() -> connectOnce().whenComplete((c, err) -> {
      if (err == null) {
        established(c);
      } else {
        lastConnectError = err;
        log.debug("{}: reconnect attempt {} failed: {}", name, n + 1, err.getMessage());
        attempt(n + 1);
      }
    }), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void expire() {
    List<NbdRequest> expired = inFlight.expire(System.nanoTime(),
        channel == null ? 0 : connectionId);
    for (NbdRequest r : expired) {
      String state = channel != null ? ""
          : " while the connection to " + hostPort() + " is down"
              + (lastConnectError == null ? "" : " (" + message(lastConnectError) + ")");
      r.fail(new BlockDeviceException(name, NbdReplyHandler.describe(r, blockSize)
          + " got no reply within " + seconds(options.requestTimeout()) + state
          + "; check that nbd-server on " + hostPort() + " is running and not stalled, and the"
          + " disk behind the export (raise the request timeout if the server is only slow)"));
    }
  }

  private void failAll(IOException cause) {
    for (NbdRequest r : inFlight.removeAll()) {
      r.fail(cause);
    }
  }

  /**
   * Waits for the requests in flight to be answered (each within its timeout; not for late
   * replies to those that timed out already), tells the server goodbye with NBD_CMD_DISC, and
   * stops the event loop.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    CompletableFuture<Void> idle = new CompletableFuture<>();
    loop.execute(() -> {
      drain();
      disconnectWhenIdle(idle);
    });
    try {
      await(idle, options.requestTimeout().plusSeconds(1), name);
    } finally {
      shutdown();
    }
  }

  private void disconnectWhenIdle(CompletableFuture<Void> idle) {
    if (channel == null) {
      failAll(new BlockDeviceException(name, "closed while the server was unreachable"));
    }
    // Abandoned requests' callers already have their timeout; a server that never answers
    // them must not hold the close up.
    if (inFlight.anyAwaited()) {
      loop.schedule(() -> disconnectWhenIdle(idle), 1, TimeUnit.MILLISECONDS);
      return;
    }
    if (channel != null) {
      channel.writeAndFlush(NbdRequest.disconnect()).addListener(ChannelFutureListener.CLOSE);
    }
    idle.complete(null);
  }

  private void shutdown() {
    sweeper.cancel(false);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private String hostPort() {
    return address.host() + ":" + address.port();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** A connection error's message without the device name, which the outer message has. */
  private String message(Throwable t) {
    if (t == null) {
      return "none recorded";
    }
    String m = t.getMessage() != null ? t.getMessage() : t.toString();
    return m.startsWith(name + ": ") ? m.substring(name.length() + 2) : m;
  }

  /** Waits for an event-loop future from a caller's thread, turning its failure into I/O. */
  static void await(CompletableFuture<?> future, Duration limit, String device)
      throws IOException {
    try {
      future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new BlockDeviceException(device, "failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new BlockDeviceException(device, "the client's event loop did not answer within "
          + seconds(limit) + "; this is a bug in GFSJ's NBD client", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(device + ": interrupted while waiting for the server");
    }
  }
}
