# Multi-stage build: Maven builds the jar, a JRE 21 image runs it as a non-root user.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY schemas schemas
COPY src src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:21-jre
RUN useradd --system --uid 10001 --no-create-home upgrader
WORKDIR /app
COPY --from=build /src/target/workflow-upgrader-*.jar /app/workflow-upgrader.jar
USER 10001
EXPOSE 8080
# Embedded infrastructure is a development default only; in a container Kafka and MongoDB come from outside.
ENV UPGRADER_EMBEDDED_ENABLED=false
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/workflow-upgrader.jar"]
