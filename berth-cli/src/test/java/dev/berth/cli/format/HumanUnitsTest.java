package dev.berth.cli.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HumanUnitsTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0B", "999, 999B", "1000, 1kB", "1024, 1.02kB", "1240000, 1.24MB", "4261234, 4.26MB",
        "4265000, 4.26MB", "99999999, 100MB", "1500000000, 1.5GB", "1000000000000, 1TB", "999500, 1e+03kB"
    })
    void sizeUsesThreeSignificantDigits(double bytes, String expected) {
        assertThat(HumanUnits.size(bytes)).isEqualTo(expected);
    }

    @Test
    void matchesDocker28OnARealEngine() {
        // docker images / docker ps -s / docker system df against dockerd 20.10 with the docker 28 CLI.
        assertThat(HumanUnits.size(1984287)).isEqualTo("1.98MB");
        assertThat(HumanUnits.size(1234567) + " (virtual " + HumanUnits.size(3218854) + ")").isEqualTo("1.23MB (virtual 3.22MB)");
        assertThat(HumanUnits.humanSize(1984287)).isEqualTo("1.984MB");
        assertThat(HumanUnits.size(0)).isEqualTo("0B");
    }

    @Test
    void humanSizeUsesFourDigits() {
        assertThat(HumanUnits.humanSize(2746000)).isEqualTo("2.746MB");
        assertThat(HumanUnits.humanSize(796000)).isEqualTo("796kB");
    }

    @ParameterizedTest
    @CsvSource({"0, 0B", "1023, 1023B", "1024, 1KiB", "1536, 1.5KiB", "1048576, 1MiB", "5368709120, 5GiB", "1099511627776, 1TiB"})
    void bytesSizeUsesBinaryUnits(double bytes, String expected) {
        assertThat(HumanUnits.bytesSize(bytes)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "0, Less than a second", "0.9, Less than a second", "1, 1 second", "3, 3 seconds", "59, 59 seconds",
        "60, About a minute", "119, About a minute", "180, 3 minutes", "3599, 59 minutes", "3600, About an hour",
        "5399, About an hour", "5400, 2 hours", "10800, 3 hours", "169200, 47 hours", "172800, 2 days",
        "1200000, 13 days", "1209599, 2 weeks", "1814400, 3 weeks", "10368000, 4 months", "63072000, 2 years"
    })
    void durationLikeGoUnits(double seconds, String expected) {
        assertThat(HumanUnits.duration(Duration.ofMillis((long) (seconds * 1000)))).isEqualTo(expected);
    }

    @Test
    void timeAgo() {
        assertThat(HumanUnits.timeAgo(Duration.ofMinutes(3))).isEqualTo("3 minutes ago");
        assertThat(HumanUnits.timeAgo(Duration.ofSeconds(-5))).isEqualTo("Less than a second ago");
    }

    @ParameterizedTest
    @CsvSource({
        "64m, 67108864", "1g, 1073741824", "1G, 1073741824", "512k, 524288", "100, 100", "100b, 100",
        "1.5g, 1610612736", "2MiB, 2097152", "2mb, 2097152", "10 M, 10485760", "1t, 1099511627776"
    })
    void parseBytesIsBinary(String text, long expected) {
        assertThat(HumanUnits.parseBytes(text)).isEqualTo(expected);
    }

    @Test
    void parseSizeIsDecimal() {
        assertThat(HumanUnits.parseSize("44kB")).isEqualTo(44000);
        assertThat(HumanUnits.parseSize("17MB")).isEqualTo(17000000);
    }

    @Test
    void parseRejectsGarbage() {
        assertThatThrownBy(() -> HumanUnits.parseBytes("abc")).hasMessage("invalid size: 'abc'");
        assertThatThrownBy(() -> HumanUnits.parseBytes("12x")).hasMessage("invalid suffix: 'x'");
        assertThatThrownBy(() -> HumanUnits.parseBytes("12kbb")).hasMessage("invalid suffix: 'kbb'");
        assertThatThrownBy(() -> HumanUnits.parseBytes("-1m")).hasMessage("invalid size: '-1m'");
        assertThatThrownBy(() -> HumanUnits.parseBytes("")).hasMessage("invalid size: ''");
    }

    @Test
    void truncateId() {
        assertThat(HumanUnits.truncateId("sha256:4f66ad9a0b2e1c7d8e9f0011")).isEqualTo("4f66ad9a0b2e");
        assertThat(HumanUnits.truncateId("4f66ad9a0b2e1c7d8e9f0011")).isEqualTo("4f66ad9a0b2e");
        assertThat(HumanUnits.truncateId("abc")).isEqualTo("abc");
    }
}
