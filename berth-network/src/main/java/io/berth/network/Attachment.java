package io.berth.network;

/** One container interface on a network: the key of the result cache and of GC's valid set. */
public record Attachment(String containerId, String ifName) {}
