package io.upgrader.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/**
 * Errors raised before Spring MVC sees the request (the servlet container refusing an encoded slash in a
 * path, a filter failing) reach /error; they too leave as Conductor's error body, never an HTML page.
 */
@RestController
public class ConductorErrorController implements ErrorController {

    @RequestMapping("/error")
    public ResponseEntity<ErrorBody> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value ? value : 500;
        HttpStatus resolved = HttpStatus.resolve(status);
        String message = status == 400 ? "Malformed request (for example an encoded '/' or '\\' in the path)"
                : resolved != null ? resolved.getReasonPhrase() : "Error";
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(new ErrorBody(status, message, status >= 500, List.of()));
    }
}
