package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void bearerWithQuotedCommasAndSeveralScopes() {
        List<AuthChallenge> all = AuthChallenge.parseAll(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                        + "scope=\"repository:samalba/my-app:pull,push repository:other:pull\",error=\"insufficient_scope\""));
        assertEquals(1, all.size());
        AuthChallenge c = all.getFirst();
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token", c.param("realm"));
        assertEquals("registry.docker.io", c.param("service"));
        assertEquals("insufficient_scope", c.param("error"));
        assertEquals(List.of("repository:samalba/my-app:pull,push", "repository:other:pull"), c.scopes());
    }

    @Test
    void basicAndSeveralChallengesInOneHeader() {
        List<AuthChallenge> all = AuthChallenge.parseAll(List.of(
                "Basic realm=\"Registry Realm\", Bearer realm=https://t.example/token, service=x"));
        assertEquals(2, all.size());
        assertEquals(new AuthChallenge("basic", Map.of("realm", "Registry Realm")), all.get(0));
        assertEquals(new AuthChallenge("bearer", Map.of("realm", "https://t.example/token", "service", "x")), all.get(1));
    }

    @Test
    void escapesAndOddSpacing() {
        AuthChallenge c = AuthChallenge.parseAll(List.of("BEARER  realm = \"a\\\"b\" ,scope=\"\"")).getFirst();
        assertTrue(c.isBearer());
        assertEquals("a\"b", c.param("realm"));
        assertEquals(List.of(), c.scopes());
        assertEquals(List.of(), AuthChallenge.parseAll(List.of("")));
    }
}
