package org.gfsj.lockd.client;

import org.gfsj.lockd.core.LockMode;
import org.gfsj.lockd.core.ResourceName;

/**
 * A granted lock: the mode now held and the resource's lock value block as of the grant.
 * {@code valueBlockValid} is false when a PW/EX holder died without writing it back.
 */
public record Grant(ResourceName resource, LockMode mode, byte[] valueBlock,
    boolean valueBlockValid) {}
