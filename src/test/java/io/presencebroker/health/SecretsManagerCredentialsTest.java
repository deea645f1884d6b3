package io.presencebroker.health;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The login a Secrets Manager secret string holds (the SDK call itself cannot be run here). */
class SecretsManagerCredentialsTest {

    @Test
    void rdsSecretJsonGivesUserAndPassword() throws Exception {
        String secret = "{\"engine\":\"mysql\",\"host\":\"db.example\",\"username\":\"presence_clone\","
                + "\"password\":\"p@ss word\",\"dbname\":\"presence\",\"port\":3306}";
        DatabaseCredentials.Login login = SecretsManagerCredentials.parse(secret, "presence");
        assertThat(login.user()).isEqualTo("presence_clone");
        assertThat(login.password()).isEqualTo("p@ss word");
        assertThat(login.toString()).doesNotContain("p@ss");
    }

    @Test
    void jsonWithoutUserKeepsTheConfiguredUser() throws Exception {
        assertThat(SecretsManagerCredentials.parse("{\"password\":\"x\"}", "presence"))
                .isEqualTo(new DatabaseCredentials.Login("presence", "x"));
    }

    @Test
    void plainStringIsThePasswordAlone() throws Exception {
        assertThat(SecretsManagerCredentials.parse("s3cret{", "presence"))
                .isEqualTo(new DatabaseCredentials.Login("presence", "s3cret{"));
    }

    @Test
    void jsonWithoutPasswordIsRefused() {
        assertThatThrownBy(() -> SecretsManagerCredentials.parse("{\"username\":\"u\"}", "presence"))
                .hasMessageContaining("password");
        assertThatThrownBy(() -> SecretsManagerCredentials.parse(null, "presence"))
                .hasMessageContaining("no string value");
    }
}
