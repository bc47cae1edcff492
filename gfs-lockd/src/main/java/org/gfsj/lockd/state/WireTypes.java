package org.gfsj.lockd.state;

import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;
import org.gfsj.lockd.proto.Mode;
import org.gfsj.lockd.proto.ResourceId;

/** Conversions between the core's types and their protobuf forms. */
public final class WireTypes {
  private static final LockMode[] MODES = LockMode.values();

  private WireTypes() {}

  public static Mode mode(LockMode mode) {
    return Mode.forNumber(mode.ordinal());
  }

  /** The core mode, or null for a number this version does not know. */
  public static LockMode mode(Mode mode) {
    int n = mode == Mode.UNRECOGNIZED ? -1 : mode.getNumber();
    return n >= 0 && n < MODES.length ? MODES[n] : null;
  }

  public static ResourceId resource(ResourceName name) {
    return ResourceId.newBuilder().setType(name.type()).setNumber(name.number()).build();
  }

  public static ResourceName resource(ResourceId id) {
    return new ResourceName(id.getType(), id.getNumber());
  }
}
