package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;

/** Compact JWS with RS256 or ES256: the two algorithms registry tokens are signed with. */
final class Jwt {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();

    private Jwt() {}

    static String algorithm(Key key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "RS256";
            case "EC" -> "ES256";
            default -> throw new IllegalArgumentException("keys of type " + key.getAlgorithm() + " cannot sign tokens");
        };
    }

    private static Signature signature(String alg) throws GeneralSecurityException {
        // JWS carries ECDSA signatures as r||s, which is the JDK's P1363 format, not DER.
        return Signature.getInstance(switch (alg) {
            case "RS256" -> "SHA256withRSA";
            case "ES256" -> "SHA256withECDSAinP1363Format";
            default -> throw new GeneralSecurityException("unsupported token algorithm " + alg);
        });
    }

    static String sign(PrivateKey key, Map<String, Object> claims) throws GeneralSecurityException {
        try {
            String alg = algorithm(key);
            String signingInput = ENC.encodeToString(MAPPER.writeValueAsBytes(Map.of("typ", "JWT", "alg", alg)))
                    + "." + ENC.encodeToString(MAPPER.writeValueAsBytes(claims));
            Signature s = signature(alg);
            s.initSign(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + ENC.encodeToString(s.sign());
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** The claims of a token whose signature one of {@code keys} verifies; throws if none does. */
    static JsonNode verify(String token, Iterable<PublicKey> keys) throws GeneralSecurityException {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new GeneralSecurityException("not a compact JWS");
        }
        try {
            JsonNode header = MAPPER.readTree(DEC.decode(parts[0]));
            String alg = header.path("alg").asText();
            byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
            byte[] sig = DEC.decode(parts[2]);
            for (PublicKey k : keys) {
                if (!algorithm(k).equals(alg)) {
                    continue;
                }
                Signature s = signature(alg);
                s.initVerify(k);
                s.update(input);
                if (s.verify(sig)) {
                    return MAPPER.readTree(DEC.decode(parts[1]));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new GeneralSecurityException("malformed token: " + e.getMessage());
        }
        throw new GeneralSecurityException("token signature does not verify with any trusted key");
    }
}
