package io.upgrader.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Reads Conductor's {@code X-Authorization} header: a static API token, or a JWT from POST /api/token.
 * A present but invalid credential is answered 401 here; a missing one is left to the authorization rules.
 */
class XAuthorizationFilter extends OncePerRequestFilter {

    static final String HEADER = "X-Authorization";

    private final Credentials credentials;
    private final AccessTokens tokens;
    private final AuthenticationEntryPoint entryPoint;

    XAuthorizationFilter(Credentials credentials, AccessTokens tokens, AuthenticationEntryPoint entryPoint) {
        this.credentials = credentials;
        this.tokens = tokens;
        this.entryPoint = entryPoint;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HEADER);
        if (header == null || header.isBlank()) {
            chain.doFilter(request, response);
            return;
        }
        String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : header.trim();
        Optional<String> principal = credentials.isApiToken(token) ? Optional.of("api-token") : tokens.verify(token);
        if (principal.isEmpty()) {
            SecurityContextHolder.clearContext();
            entryPoint.commence(request, response,
                    new BadCredentialsException("X-Authorization is not a valid token, or it has expired"));
            return;
        }
        SecurityContextHolder.getContext().setAuthentication(
                UsernamePasswordAuthenticationToken.authenticated(principal.get(), null, List.of()));
        chain.doFilter(request, response);
    }
}
