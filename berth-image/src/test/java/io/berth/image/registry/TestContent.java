package io.berth.image.registry;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Blobs of seeded random bytes and a minimal OCI manifest over them. */
final class TestContent {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    record Blob(byte[] bytes, String digest) {
        ByteArrayInputStream stream() {
            return new ByteArrayInputStream(bytes);
        }
    }

    private TestContent() {
    }

    static Blob blob(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return new Blob(bytes, sha256(bytes));
    }

    static Blob json(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new Blob(bytes, sha256(bytes));
    }

    static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An OCI image manifest with one config and the given layers (gzip media type; the registry does not look inside). */
    static byte[] manifest(Blob config, Blob... layers) {
        StringBuilder json = new StringBuilder();
        json.append("{\"schemaVersion\":2,\"mediaType\":\"").append(OCI_MANIFEST).append("\",")
                .append("\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"")
                .append(config.digest()).append("\",\"size\":").append(config.bytes().length).append("},\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i > 0 ? "," : "")
                    .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(layers[i].digest()).append("\",\"size\":").append(layers[i].bytes().length).append("}");
        }
        json.append("]}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Blob config(String name) {
        return json("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/" + name + "\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    }
}
