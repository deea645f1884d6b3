package io.presencebroker.bench;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ in a process of its own, as SQS is to a Fargate task: {@code SqsServerMain PORT}; runs until killed. */
public final class SqsServerMain {

    private SqsServerMain() {
    }

    public static void main(String[] args) throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(Integer.parseInt(args[0])).start();
        server.waitUntilStarted();
        System.out.println("elasticmq listening on 127.0.0.1:" + args[0]);
        Thread.currentThread().join();
    }
}
