# Multi-stage build: Maven builds the service module's jar, a JRE 21 image runs it as a non-root user.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
# Every module's pom (Maven reads the whole reactor), but only the service is built: the image holds no embedded
# development infrastructure.
COPY pom.xml .
COPY service/pom.xml service/
COPY embedded/pom.xml embedded/
COPY tests/pom.xml tests/
RUN mvn -B -q -pl service dependency:go-offline
COPY schemas schemas
COPY service/src service/src
RUN mvn -B -q -pl service package -DskipTests

FROM eclipse-temurin:21-jre
RUN useradd --system --uid 10001 --no-create-home upgrader
WORKDIR /app
COPY --from=build /src/service/target/workflow-upgrader-*-exec.jar /app/workflow-upgrader.jar
USER 10001
EXPOSE 8080
# Kafka and MongoDB come from outside: KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI (it does not start without them).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/workflow-upgrader.jar"]
