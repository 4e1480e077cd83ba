package io.upgrader.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

import java.net.InetAddress;

/**
 * Every /api/** call needs X-Authorization; health, info, metrics and the Prometheus scrape stay open, and so do
 * the upgrade console's static files (its data comes from the API) and the API description (/v3/api-docs,
 * /swagger-ui.html). With no credential configured only the embedded development mode starts, open but bound to
 * 127.0.0.1; any other mode refuses to start.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    /**
     * True in the embedded development mode only: set by the embedded module (workflow-upgrader-embedded) when it
     * started both the Kafka broker and the MongoDB-wire server in process, nothing external being configured.
     */
    public static final String EMBEDDED_MODE_PROPERTY = "upgrader.embedded.active";

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    @Bean
    SecurityFilterChain api(HttpSecurity http, SecurityProperties properties, Credentials credentials,
                            AccessTokens tokens, JsonMapper json, EmbeddedMode embedded) throws Exception {
        boolean open = !properties.hasCredentials();
        if (open && !embedded.active()) {
            throw new IllegalStateException("No credentials configured: set UPGRADER_SECURITY_TOKENS (API tokens) "
                    + "and/or UPGRADER_SECURITY_KEYS (keyId:keySecret application keys). Only the embedded "
                    + "development mode (the embedded module, with neither KAFKA_BOOTSTRAP_SERVERS nor MONGODB_URI) "
                    + "may run without them.");
        }
        ConductorAuthenticationEntryPoint entryPoint = new ConductorAuthenticationEntryPoint(json);
        http.csrf(csrf -> csrf.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .requestCache(cache -> cache.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(errors -> errors.authenticationEntryPoint(entryPoint));
        if (open) {
            log.warn("No credentials configured: the API is OPEN, bound to 127.0.0.1 only (embedded development "
                    + "mode). Set UPGRADER_SECURITY_TOKENS or UPGRADER_SECURITY_KEYS to require X-Authorization.");
            http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
            return http.build();
        }
        http.addFilterBefore(new XAuthorizationFilter(credentials, tokens, entryPoint),
                        AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info",
                                "/actuator/metrics", "/actuator/metrics/**", "/actuator/prometheus").permitAll()
                        .requestMatchers(HttpMethod.POST, "/api/token").permitAll()
                        // The upgrade console's static files (page, script, style): they hold no data; the console
                        // signs in with POST /api/token and reads everything through the authenticated API.
                        .requestMatchers(HttpMethod.GET, "/console", "/console/", "/console/*.html",
                                "/console/*.js", "/console/*.css").permitAll()
                        // The API description and Swagger UI hold no data.
                        .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                        .permitAll()
                        .requestMatchers("/api/**", "/actuator/**").authenticated()
                        .anyRequest().permitAll());
        return http.build();
    }

    /** An open service listens on the loopback interface only. */
    @Bean
    WebServerFactoryCustomizer<ConfigurableWebServerFactory> loopbackWhenOpen(SecurityProperties properties) {
        return factory -> {
            if (!properties.hasCredentials()) {
                factory.setAddress(InetAddress.getLoopbackAddress());
            }
        };
    }

    /** No generated password, no default user: credentials are only the configured tokens and keys. */
    @Bean
    UserDetailsService noUsers() {
        return new InMemoryUserDetailsManager();
    }
}
