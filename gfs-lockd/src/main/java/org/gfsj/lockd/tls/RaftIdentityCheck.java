package org.gfsj.lockd.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCall;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.LoggerFactory;

/**
 * Binds a Raft peer's identity to its certificate on this peer's gRPC server: every request of
 * the peer-to-peer service (votes, appends, snapshots, read index, election starts) names its
 * sender, and that name must be the one the sender's TLS certificate carries. A holder of n2's
 * certificate that speaks as n3 is answered PERMISSION_DENIED, and this peer logs who tried.
 * Clients and admin requests (the other two services) carry no peer id; the cluster CA's
 * signature is all they need.
 */
final class RaftIdentityCheck implements ServerInterceptor {
  private static final String PEER_SERVICE = RaftServerProtocolServiceGrpc.SERVICE_NAME;

  private final Complaints complaints =
      new Complaints(LoggerFactory.getLogger(RaftIdentityCheck.class));

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    if (!PEER_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    GuardedCall<Q, A> guarded = new GuardedCall<>(call);
    String named = certificateName(call);
    ServerCall.Listener<Q> delegate = next.startCall(guarded, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        if (guarded.refused) {
          return;
        }
        String claimed = requestor(message);
        if (named == null || !named.equals(claimed)) {
          String why = "refused Raft " + call.getMethodDescriptor().getBareMethodName()
              + " from " + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
              + ": its certificate names " + named + " but it speaks for peer " + claimed
              + "; a peer may only act as the id in its own certificate (gfs-tool keygen "
              + "issues one per peer id)";
          complaints.log(named + " as " + claimed, why);
          guarded.refuse(Status.PERMISSION_DENIED.withDescription(why));
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!guarded.refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** The peer id a request of the peer service says it comes from, or null if none. */
  private static String requestor(Object message) {
    RaftRpcRequestProto header;
    if (message instanceof AppendEntriesRequestProto m) {
      header = m.getServerRequest();
    } else if (message instanceof RequestVoteRequestProto m) {
      header = m.getServerRequest();
    } else if (message instanceof InstallSnapshotRequestProto m) {
      header = m.getServerRequest();
    } else if (message instanceof ReadIndexRequestProto m) {
      header = m.getServerRequest();
    } else if (message instanceof StartLeaderElectionRequestProto m) {
      header = m.getServerRequest();
    } else {
      return null;
    }
    return header.getRequestorId().toStringUtf8();
  }

  private static String certificateName(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x
          ? CertificateName.of(x) : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** The call as Ratis sees it: silent once refused, so that nothing answers a closed call. */
  private static final class GuardedCall<Q, A>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    volatile boolean refused;

    GuardedCall(ServerCall<Q, A> call) {
      super(call);
    }

    void refuse(Status status) {
      refused = true;
      super.close(status, new Metadata());
    }

    @Override
    public void sendHeaders(Metadata headers) {
      if (!refused) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public void sendMessage(A message) {
      if (!refused) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!refused) {
        super.close(status, trailers);
      }
    }
  }
}
