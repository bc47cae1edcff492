package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.gfsj.lockd.client.Grant;
import org.gfsj.lockd.client.LockdAdmin;
import org.gfsj.lockd.client.LockdClient;
import org.gfsj.lockd.client.LockdClientConfig;
import org.gfsj.lockd.client.LockdListener;
import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.PeerStatus;
import org.gfsj.lockd.raftrpc.LockdRaftRpc;
import org.gfsj.lockd.testing.Await;
import org.gfsj.lockd.testing.FreePorts;
import org.gfsj.lockd.testing.PeerProcesses;
import org.gfsj.lockd.tls.ClusterCa;
import org.gfsj.lockd.tls.PeerCredentials;
import org.gfsj.lockd.tls.RaftTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three peers in separate JVMs whose Raft traffic runs over mutual TLS with certificates from one
 * cluster CA: they elect a leader and grant locks. An outsider holding a certificate from another
 * CA, started as a fourth peer, cannot take part: the peers refuse its handshakes, it says so in
 * its log, and neither it, nor a plain (no TLS) Raft client, nor a TLS client that trusts the
 * cluster CA but shows no certificate or a foreign one, can add it to the group. A certificate
 * from the cluster CA speaks only for the peer it names.
 */
class TlsPeersTest {
  @TempDir Path dir;
  private PeerProcesses peers;

  @AfterEach
  void stopPeers() {
    if (peers != null) {
      peers.close();
    }
  }

  /** Three peers with certificates from one new cluster CA in {@code tls}, up and led. */
  private PeerList startCluster(Path tls, String name) throws IOException {
    peers = new PeerProcesses(dir.resolve("data"), Path.of("target", "peer-logs",
        name + "-" + System.currentTimeMillis()), 3, List.of("--cluster", "test", "--tls-dir",
        tls.toString()));
    ClusterCa ca = ClusterCa.create("test", Duration.ofDays(1));
    ca.write(tls, false);
    ca.issue(tls, ClusterCa.ADMIN, null, Duration.ofDays(1), false);
    for (String id : peers.ids()) {
      // Certificates name the host, not the port: a start on new ports keeps them valid.
      ca.issue(tls, id, "127.0.0.1", Duration.ofDays(1), false);
    }
    peers.startAll();
    peers.awaitLeader(Duration.ofSeconds(60), "a leader elected over TLS");
    return PeerList.parse(peers.peerSpec());
  }

  @Test
  void peersWithClusterCertificatesServeAndAnOutsiderIsRefused() throws Exception {
    Path tls = dir.resolve("tls");
    PeerList three = startCluster(tls, "tls");
    for (String id : peers.ids()) {
      assertTrue(Files.readString(peers.log(id)).contains("Netty with mutual TLS"), id);
    }
    locksAreGrantedInTurn();

    // The outsider: its own CA, its own certificate for a fourth address.
    Path otherTls = dir.resolve("other-tls");
    ClusterCa other = ClusterCa.create("test", Duration.ofDays(1));
    other.write(otherTls, false);
    other.issue(otherTls, ClusterCa.ADMIN, null, Duration.ofDays(1), false);
    String fourSpec = peers.peerSpec() + ",n4=127.0.0.1:" + FreePorts.pair();
    PeerList four = PeerList.parse(fourSpec);
    other.issue(otherTls, "n4", "127.0.0.1", Duration.ofDays(1), false);
    peers.start("n4", fourSpec, List.of("--cluster", "test", "--tls-dir", otherTls.toString()));
    Await.until(Duration.ofSeconds(60), "the outsider logging that it cannot join",
        () -> logSays(peers.log("n4"), "cannot join the group"));
    String log = Files.readString(peers.log("n4"));
    assertTrue(log.contains("gfs-tool keygen --dir DIR-WITH-THE-CLUSTER-CA --peers n4="), log);

    // Every Raft request below is one any peer answers at once, leader or not (the group's
    // configuration), so an exception means the connection was refused, nothing else.
    RaftTransport admin = RaftTransport.tls(PeerCredentials.load(tls, ClusterCa.ADMIN));
    try (RaftClient c = client(admin, three)) {
      assertEquals(3, groupPeers(c), "the cluster CA's admin gets an answer");
    }
    RaftTransport outsider = RaftTransport.tls(PeerCredentials.load(otherTls, ClusterCa.ADMIN));
    refused(client(outsider, three));
    refused(client(RaftTransport.PLAIN, three));
    // Knowing the cluster CA's certificate (it is not secret) is not enough: the peers demand
    // a client certificate the CA signed.
    X509Certificate clusterCa = certificate(tls.resolve("ca.crt"));
    refused(client(new RaftTls(keyManager(key(otherTls.resolve("admin.key")),
        certificate(otherTls.resolve("admin.crt"))), trusting(clusterCa)), three));
    refused(client(new RaftTls(null, trusting(clusterCa)), three));
    try (RaftClient c = client(outsider, three)) {
      assertThrows(IOException.class, () -> c.admin().setConfiguration(four.raftPeers()));
    }

    for (String id : peers.ids()) {
      PeerStatus s = peers.status(id);
      assertEquals(3, s.getPeersCount(), id + " sees " + s.getPeersList());
    }
    try (LockdAdmin tool = new LockdAdmin(5_000, null)) {
      var raft = four.raft().get("n4");
      PeerStatus s = tool.status(
          InetSocketAddress.createUnresolved(raft.getHostString(), raft.getPort() + 1));
      assertEquals("", s.getLeaderId(), "the outsider never heard from a leader");
    }
    locksAreGrantedInTurn();
  }

  /**
   * A peer's identity is the name in its certificate. n2's valid certificate, under n3's name,
   * does not start a peer; and an impostor built by hand with it (no such check), speaking as
   * n3 from n3's address, is refused both ways: the peers answer its requests as n3 with
   * a refusal, and the leader will not append to n3's address when the certificate
   * there names n2. The group goes on without it.
   */
  @Test
  void aCertificateForN2CannotActAsN3() throws Exception {
    Path tls = dir.resolve("tls");
    PeerList three = startCluster(tls, "tls-identity");
    Path stolen = dir.resolve("stolen");
    Files.createDirectories(stolen);
    Files.copy(tls.resolve("ca.crt"), stolen.resolve("ca.crt"));
    Files.copy(tls.resolve("n2.crt"), stolen.resolve("n3.crt"));
    Files.copy(tls.resolve("n2.key"), stolen.resolve("n3.key"), StandardCopyOption.COPY_ATTRIBUTES);
    IOException e = assertThrows(IOException.class, () -> PeerCredentials.load(stolen, "n3"));
    assertTrue(e.getMessage().contains("n3.crt names n2, not n3"), e.getMessage());

    peers.kill("n3");
    String leader = peers.awaitLeader(Duration.ofSeconds(60), "a leader among n1 and n2");
    RaftServer impostor = impostor(three, tls.resolve("n2.key"), tls.resolve("n2.crt"),
        certificate(tls.resolve("ca.crt")), "n3");
    try {
      impostor.start();
      Await.until(Duration.ofSeconds(60), "a peer refusing n2's certificate speaking as n3",
          () -> logSays(peers.log("n1"), "its certificate names n2 but it speaks for peer n3")
              || logSays(peers.log("n2"), "its certificate names n2 but it speaks for peer n3"));
      Await.until(Duration.ofSeconds(60), "the leader refusing n2's certificate at n3's address",
          () -> logSays(peers.log(leader),
              "is n3 in the Raft group, but its certificate names n2"));
      assertNull(impostor.getDivision(Replica.groupId("test")).getInfo().getLeaderId(),
          "the impostor heard from a leader");
      locksAreGrantedInTurn();
    } finally {
      impostor.close();
    }
  }

  /** A Raft server as {@code id} on {@code id}'s address, showing the given key and cert. */
  private RaftServer impostor(PeerList group, Path key, Path cert, X509Certificate ca, String id)
      throws Exception {
    RaftProperties props = new RaftProperties();
    RaftConfigKeys.Rpc.setType(props, new LockdRaftRpc());
    NettyConfigKeys.Server.setPort(props, group.raft().get(id).getPort());
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.resolve("impostor").toFile()));
    return RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(id))
        .setGroup(RaftGroup.valueOf(Replica.groupId("test"), group.raftPeers()))
        .setProperties(props)
        .setParameters(new RaftTls(keyManager(key(key), certificate(cert)), trusting(ca))
            .parameters())
        .setStateMachine(new BaseStateMachine())
        .setOption(RaftStorage.StartupOption.FORMAT)
        .build();
  }

  private static boolean logSays(Path log, String text) {
    try {
      return Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** One EX holder at a time: the second client is granted only after the first unlocks. */
  private void locksAreGrantedInTurn() throws Exception {
    ResourceName r = new ResourceName(7, 1);
    LockdClient a = connect("a");
    LockdClient b = connect("b");
    try {
      assertEquals(LockMode.EX, a.lock(r, LockMode.EX, false).get(30, TimeUnit.SECONDS).mode());
      CompletableFuture<Grant> waiting = b.lock(r, LockMode.EX, false);
      assertThrows(java.util.concurrent.TimeoutException.class,
          () -> waiting.get(500, TimeUnit.MILLISECONDS));
      a.unlock(r, new byte[0]).get(30, TimeUnit.SECONDS);
      assertEquals(LockMode.EX, waiting.get(30, TimeUnit.SECONDS).mode());
      b.unlock(r, new byte[0]).get(30, TimeUnit.SECONDS);
    } finally {
      a.close();
      b.close();
    }
  }

  private LockdClient connect(String name) throws Exception {
    try {
      return LockdClient.connect(LockdClientConfig.defaults(peers.clientAddresses(), name),
          new LockdListener() {}).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("client " + name + " could not connect", e.getCause());
    }
  }

  private static void refused(RaftClient client) throws IOException {
    try (client) {
      Exception e = assertThrows(Exception.class, () -> groupPeers(client));
      System.out.println("refused as expected: " + e);
    }
  }

  /** How many peers n1 says the group has; one attempt (the clients here do not retry). */
  private static int groupPeers(RaftClient client) throws IOException {
    return client.getGroupManagementApi(RaftPeerId.valueOf("n1"))
        .info(Replica.groupId("test")).getGroup().getPeers().size();
  }

  private static RaftClient client(RaftTransport transport, PeerList current) {
    return transport.newClientBuilder(current.directory())
        .setClientId(ClientId.randomId())
        .setRaftGroup(RaftGroup.valueOf(Replica.groupId("test"), current.raftPeers()))
        .setRetryPolicy(RetryPolicies.noRetry())
        .build();
  }

  /** A Raft client made by hand, without PeerCredentials' checks. */
  private static RaftClient client(RaftTls tls, PeerList current) {
    RaftProperties props = new RaftProperties();
    RaftConfigKeys.Rpc.setType(props, new LockdRaftRpc());
    return RaftClient.newBuilder()
        .setProperties(props)
        .setParameters(tls.parameters())
        .setClientId(ClientId.randomId())
        .setRaftGroup(RaftGroup.valueOf(Replica.groupId("test"), current.raftPeers()))
        .setRetryPolicy(RetryPolicies.noRetry())
        .build();
  }

  private static X509Certificate certificate(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static PrivateKey key(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "")
        .replaceAll("\\s", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  /** Shows {@code cert} with {@code key}. */
  private static KeyManager keyManager(PrivateKey key, X509Certificate cert) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("k", key, new char[0], new Certificate[] {cert});
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(store, new char[0]);
    return f.getKeyManagers()[0];
  }

  /** Trusts what {@code ca} signed, with no check of which peer is where. */
  private static X509TrustManager trusting(X509Certificate ca) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("ca", ca);
    TrustManagerFactory f =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    return (X509TrustManager) f.getTrustManagers()[0];
  }
}
