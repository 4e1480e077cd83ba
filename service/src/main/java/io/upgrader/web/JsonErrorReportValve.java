package io.upgrader.web;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tomcat's own error page, for what it refuses before the application sees the request (an encoded '/', '\'
 * or NUL in the path, a malformed escape): Conductor's error body instead of HTML.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0) {
            return;
        }
        AtomicBoolean ready = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ready);
        if (!ready.get()) {
            return;
        }
        String message = status == 400 ? "Malformed request: the path or a header is not valid (for example an "
                + "encoded '/', '\\\\' or NUL, or a malformed %-escape)" : "HTTP " + status;
        String body = "{\"status\":" + status + ",\"message\":\"" + message + "\",\"retryable\":" + (status >= 500)
                + ",\"validationErrors\":[]}";
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response was taken over; nothing more to say.
        }
    }
}
