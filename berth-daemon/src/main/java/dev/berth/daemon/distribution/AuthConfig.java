package dev.berth.daemon.distribution;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials for one registry, as the Engine API carries them: in {@code POST /auth}'s body and,
 * base64url-encoded JSON, in the {@code X-Registry-Auth} header.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record AuthConfig(
        @JsonProperty("username") String username,
        @JsonProperty("password") String password,
        @JsonProperty("auth") String auth,
        @JsonProperty("serveraddress") String serverAddress,
        @JsonProperty("identitytoken") String identityToken,
        @JsonProperty("registrytoken") String registryToken) {

    public static final AuthConfig ANONYMOUS = new AuthConfig(null, null, null, null, null, null);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** With {@code auth} ({@code base64(user:password)}) expanded into username and password when they are missing. */
    public AuthConfig {
        if ((username == null || username.isEmpty()) && auth != null && !auth.isEmpty()) {
            try {
                String plain = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
                int colon = plain.indexOf(':');
                if (colon > 0) {
                    username = plain.substring(0, colon);
                    password = plain.substring(colon + 1);
                }
            } catch (IllegalArgumentException ignored) {
                // an unreadable auth field is treated as no credentials, as docker does
            }
        }
    }

    /** True when there is nothing to authenticate with. */
    public boolean anonymous() {
        return empty(username) && empty(identityToken) && empty(registryToken);
    }

    public boolean hasPassword() {
        return !empty(username) && password != null;
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    /**
     * Decodes an {@code X-Registry-Auth} header: base64url (padding optional; the standard alphabet is
     * accepted too) of a JSON object. Absent or empty means anonymous.
     *
     * @throws IllegalArgumentException when the header is not base64 JSON
     */
    public static AuthConfig fromHeader(String header) {
        if (header == null || header.isBlank()) {
            return ANONYMOUS;
        }
        String s = header.trim().replace('+', '-').replace('/', '_');
        byte[] json;
        try {
            json = Base64.getUrlDecoder().decode(s.replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid X-Registry-Auth header: " + e.getMessage());
        }
        try {
            AuthConfig a = JSON.readValue(json, AuthConfig.class);
            return a == null ? ANONYMOUS : a;
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid X-Registry-Auth header: not a JSON object");
        }
    }

    /** The header form of these credentials. */
    public String toHeader() {
        try {
            return Base64.getUrlEncoder().encodeToString(JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "AuthConfig[" + (anonymous() ? "anonymous" : "user=" + username) + "]";
    }
}
