package io.upgrader.security;

import io.upgrader.web.ErrorBody;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.List;

/** 401 with Conductor's error body, saying whether the credential was missing or not valid. */
class ConductorAuthenticationEntryPoint implements AuthenticationEntryPoint {

    private final JsonMapper json;

    ConductorAuthenticationEntryPoint(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        String message = e instanceof InsufficientAuthenticationException
                ? "Missing X-Authorization header: send an API token, or a token from POST /api/token"
                : e.getMessage();
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(response.getOutputStream(), new ErrorBody(401, message, false,
                List.of(new ErrorBody.ValidationError(XAuthorizationFilter.HEADER, message))));
    }
}
