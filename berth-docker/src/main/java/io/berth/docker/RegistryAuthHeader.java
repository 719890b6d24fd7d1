package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.image.registry.Credentials;
import io.berth.oci.SpecJson;
import io.berth.server.HttpException;
import io.berth.server.Request;
import java.io.IOException;
import java.util.Base64;

/**
 * Docker's {@code X-Registry-Auth} header: base64url of the JSON {@code {"username", "password",
 * "serveraddress"}} (or {@code {"identitytoken"}}) that the docker CLI keeps per registry and
 * sends with each pull and push. The daemon keeps nothing: the credentials serve this request.
 *
 * @param identityToken an OAuth refresh token a registry handed out at login; Berth's login never
 *     hands one out, and its registry client cannot spend one
 */
record RegistryAuthHeader(String username, String password, String serverAddress, String identityToken) {
  static final RegistryAuthHeader NONE = new RegistryAuthHeader("", "", "", "");

  static RegistryAuthHeader of(Request r) {
    String header = r.header("X-Registry-Auth");
    if (header == null || header.isBlank()) {
      return NONE;
    }
    byte[] json;
    try {
      json = Base64.getUrlDecoder().decode(header.strip());
    } catch (IllegalArgumentException notUrlSafe) {
      try {
        json = Base64.getDecoder().decode(header.strip()); // what clients before 1.21 sent
      } catch (IllegalArgumentException e) {
        throw HttpException.badRequest("invalid X-Registry-Auth header: not base64 (" + e.getMessage() + ")");
      }
    }
    try {
      return of(SpecJson.mapper().readTree(json));
    } catch (IOException e) {
      throw HttpException.badRequest("invalid X-Registry-Auth header: not a JSON object of username, password and serveraddress");
    }
  }

  /** The fields of an auth config, as {@code POST /auth}'s body and the header carry them. */
  static RegistryAuthHeader of(JsonNode n) {
    if (n == null || !n.isObject()) {
      return NONE;
    }
    return new RegistryAuthHeader(text(n, "username"), text(n, "password"), text(n, "serveraddress"),
        text(n, "identitytoken"));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  /** The credentials to use, or null for none (an anonymous pull or push). */
  Credentials credentials() {
    if (!username.isEmpty()) {
      return new Credentials(username, password);
    }
    if (!identityToken.isEmpty()) {
      throw HttpException.badRequest("identity tokens (OAuth refresh tokens) are not supported by Berth;"
          + " log in with a user name and password");
    }
    return null;
  }

  /** {@code https://index.docker.io/v1/}, {@code http://host:5000/} → the registry host as image names give it. */
  static String registryHost(String serverAddress) {
    String s = serverAddress.strip();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    return s.equals("index.docker.io") || s.equals("registry-1.docker.io") ? "docker.io" : s;
  }

  @Override
  public String toString() {
    return "RegistryAuthHeader[username=" + username + ", serverAddress=" + serverAddress + ", password=***]";
  }
}
