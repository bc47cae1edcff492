package org.gfsj.tools.lockd;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lock+unlock pairs through etcd's own lock API (v3lock: Lock with a lease, Unlock by key), over
 * etcd's HTTP/JSON gateway so that no etcd client library is needed; one lease and one HTTP
 * connection per session, sessions spread over the members.
 */
final class EtcdPairs implements PairRunner {
  private static final Pattern ID = Pattern.compile("\"ID\":\"(\\d+)\"");
  private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]+)\"");

  private final List<String> endpoints;
  private final List<HttpClient> http = new ArrayList<>();
  private final List<String> leases = new ArrayList<>();

  private final Supplier<Duration> serverCpu;

  EtcdPairs(List<String> endpoints, Supplier<Duration> serverCpu) {
    this.serverCpu = serverCpu;
    this.endpoints = endpoints;
  }

  @Override
  public Duration serverCpu() {
    return serverCpu.get();
  }

  @Override
  public String name() {
    return "etcd " + "3.4 (v3lock via HTTP gateway)";
  }

  @Override
  public void open(int count) throws Exception {
    for (int i = 0; i < count; i++) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      http.add(client);
      String body = post(i, "/v3/lease/grant", "{\"TTL\":\"60\"}").join();
      leases.add(match(ID, body, "lease grant"));
    }
  }

  @Override
  public CompletableFuture<Long> pair(int client, String resource) {
    String name = Base64.getEncoder().encodeToString(resource.getBytes(StandardCharsets.UTF_8));
    long start = System.nanoTime();
    return post(client, "/v3/lock/lock",
        "{\"name\":\"" + name + "\",\"lease\":\"" + leases.get(client) + "\"}")
        .thenCompose(body -> {
          long locked = System.nanoTime() - start;
          String key = match(KEY, body, "lock");
          return post(client, "/v3/lock/unlock", "{\"key\":\"" + key + "\"}")
              .thenApply(b -> locked);
        });
  }

  private CompletableFuture<String> post(int client, String path, String json) {
    String endpoint = endpoints.get(client % endpoints.size());
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + path))
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    return http.get(client).sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> {
          if (r.statusCode() != 200) {
            throw new IllegalStateException("etcd " + path + " answered " + r.statusCode()
                + ": " + r.body());
          }
          return r.body();
        });
  }

  private static String match(Pattern p, String body, String what) {
    Matcher m = p.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("etcd " + what + " answer without the expected field: "
          + body);
    }
    return m.group(1);
  }

  @Override
  public void close() {
    http.clear();
    leases.clear();
  }
}
