package dev.berth.dockerfile;

/**
 * The few Go text rules Docker's Dockerfile handling depends on (unicode.IsSpace, strings.TrimSpace,
 * strconv.Quote), so that parses and dumps match Docker's byte for byte.
 */
public final class GoText {
    private GoText() {}

    /** Go's unicode.IsSpace: ASCII \t \n \v \f \r and space, U+0085, U+00A0 and the Unicode space separators. */
    public static boolean isSpace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= '\t' && cp <= '\r');
        }
        if (cp == 0x85 || cp == 0xA0) {
            return true;
        }
        return Character.getType(cp) == Character.SPACE_SEPARATOR
                || cp == 0x2028 || cp == 0x2029;
    }

    /** Go's strings.TrimSpace. */
    public static String trimSpace(String s) {
        return trimRightSpace(trimLeftSpace(s));
    }

    /** Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
    public static String trimLeftSpace(String s) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /** Go's strings.TrimRightFunc(s, unicode.IsSpace). */
    public static String trimRightSpace(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /** Whether a string is blank by Go's rules. */
    public static boolean isBlank(String s) {
        return trimLeftSpace(s).isEmpty();
    }

    /** Go's unicode.IsLetter. */
    public static boolean isLetter(int cp) {
        return Character.isLetter(cp);
    }

    /** Go's unicode.IsDigit (decimal digits in any script). */
    public static boolean isDigit(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER;
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    static boolean isPrint(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                 Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION,
                 Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /**
     * Decodes UTF-8 as Go sees it: valid sequences become characters, and each byte of an invalid
     * sequence becomes the lone surrogate U+DC80..U+DCFF, so {@link #quote} can print it as Go does
     * ({@code \xff}) and no input byte is lost.
     */
    public static String decodeUtf8(byte[] b) {
        try {
            // Java's strict decoder refuses exactly what Go calls invalid; most input takes this path
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            // fall through to the byte-by-byte decoding that keeps invalid bytes
        }
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int n = 0;
            int lo = 0x80;
            int hi = 0xbf;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            } else if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                lo = c == 0xe0 ? 0xa0 : 0x80;
                hi = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                lo = c == 0xf0 ? 0x90 : 0x80;
                hi = c == 0xf4 ? 0x8f : 0xbf;
            }
            boolean ok = n > 0 && i + n < b.length;
            if (ok) {
                int second = b[i + 1] & 0xff;
                ok = second >= lo && second <= hi;
                for (int k = 2; ok && k <= n; k++) {
                    int cont = b[i + k] & 0xff;
                    ok = cont >= 0x80 && cont <= 0xbf;
                }
            }
            if (!ok) {
                sb.append((char) (0xDC00 + c));
                i++;
                continue;
            }
            int cp = c & (n == 1 ? 0x1f : n == 2 ? 0x0f : 0x07);
            for (int k = 1; k <= n; k++) {
                cp = (cp << 6) | (b[i + k] & 0x3f);
            }
            sb.appendCodePoint(cp);
            i += n + 1;
        }
        return sb.toString();
    }

    /** The inverse of {@link #decodeUtf8}: the original bytes, escaped invalid bytes included. */
    public static byte[] encodeUtf8(String s) {
        byte[] out = new byte[s.length() * 3];
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                out[n++] = (byte) cp;
                continue;
            }
            if (cp >= 0xDC80 && cp <= 0xDCFF) {
                out[n++] = (byte) (cp - 0xDC00);
                continue;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            if (cp < 0x800) {
                out[n++] = (byte) (0xC0 | cp >> 6);
            } else if (cp < 0x10000) {
                out[n++] = (byte) (0xE0 | cp >> 12);
                out[n++] = (byte) (0x80 | (cp >> 6 & 0x3F));
            } else {
                out[n++] = (byte) (0xF0 | cp >> 18);
                out[n++] = (byte) (0x80 | (cp >> 12 & 0x3F));
                out[n++] = (byte) (0x80 | (cp >> 6 & 0x3F));
            }
            out[n++] = (byte) (0x80 | (cp & 0x3F));
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * The text as Go code sees it when it indexes a string byte by byte and turns each byte into a
     * rune ({@code rune(s[i])}): one char per UTF-8 byte. Docker's flag splitting works that way.
     */
    static String byteChars(String s) {
        byte[] b = encodeUtf8(s);
        char[] c = new char[b.length];
        for (int i = 0; i < b.length; i++) {
            c[i] = (char) (b[i] & 0xff);
        }
        return new String(c);
    }

    /** The inverse of {@link #byteChars}: reads the chars as bytes and decodes them. */
    static String fromByteChars(String s) {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) s.charAt(i);
        }
        return decodeUtf8(b);
    }

    /** Go's strconv.Quote: a double-quoted string with Go escapes for what is not printable. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 11 -> sb.append("\\v");
                default -> {
                    if (cp >= 0xDC80 && cp <= 0xDCFF) {
                        // a byte of invalid UTF-8 (see decodeUtf8): Go prints it as \xNN
                        sb.append(String.format("\\x%02x", cp - 0xDC00));
                    } else if (Character.isSurrogate((char) cp)) {
                        sb.append('\uFFFD');
                    } else if (isPrint(cp)) {
                        sb.appendCodePoint(cp);
                    } else if (cp < ' ' || cp == 0x7f) {
                        sb.append(String.format("\\x%02x", cp));
                    } else if (cp < 0x10000) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.append(String.format("\\U%08x", cp));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
