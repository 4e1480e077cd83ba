package io.upgrader.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The upgrade console: static files under {@code static/console/}, served by Spring's resource handling. Its page
 * is {@code /console/} ({@code /console} redirects there, so that the page's relative links resolve). The files
 * hold no data: everything the console shows comes from the authenticated API.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleWebConfiguration implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/console", "/console/");
        registry.addViewController("/console/").setViewName("forward:/console/index.html");
    }
}
