package io.presencebroker.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.presencebroker.failure.FailureClassifier;
import io.presencebroker.sqs.PolledQueueConsumer;
import io.presencebroker.sqs.QueueMessages;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.aws2.sqs.Sqs2Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The outbox consumer, on the poll protocol the service's SQS consumers share ({@link PolledQueueConsumer}). For each
 * poll, in the worker's thread:
 * <ol>
 * <li>parse each message ({@link OutboxMessageParser}); an invalid one is dead-lettered with its reason;</li>
 * <li>claim the recipients of all of them in one statement, and read their socket status in one query
 * ({@link DeliveryLog#claim}, {@link DeliverySql}); recipients an earlier delivery reached are skipped, and a message
 * another consumer is delivering is left for later;</li>
 * <li>route each recipient of each message through the route, in an exchange of its own (body: the
 * {@link Delivery.Recipient}, headers {@link #HEADERS}): the route's choice decides socket, socket and push, or push;</li>
 * <li>publish every socket topic of the poll, in flight together ({@link SocketPublisher}); a failed publish falls
 * back to push;</li>
 * <li>send the poll's push requests in SQS batches of 10 ({@link PushSender});</li>
 * <li>record the poll's deliveries (and the receipts they owe) in one transaction ({@link DeliveryLog#record});</li>
 * <li>release the claims of what failed, and delete what is recorded or dead-lettered.</li>
 * </ol>
 * While the poll is worked on its claims are refreshed and its messages' visibility extended. A message is never
 * deleted before its deliveries are recorded or it is in the dead-letter queue. A failure of the environment leaves the
 * message on the queue; a failure of the message (invalid, or a poison message by the poison rule) dead-letters it.
 */
public final class OutboxConsumer extends PolledQueueConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxConsumer.class);
    /** What the poison rule reads. */
    private static final List<MessageSystemAttributeName> ATTRIBUTES = List.of(
            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
            MessageSystemAttributeName.APPROXIMATE_FIRST_RECEIVE_TIMESTAMP);

    private final OutboxComponent.Parts parts;
    private final QueueMessages queue;

    OutboxConsumer(OutboxEndpoint endpoint, Processor processor) {
        super(endpoint, processor, endpoint.queue(), endpoint.getComponent().parts().settings(), ATTRIBUTES, "Outbox");
        this.parts = endpoint.getComponent().parts();
        this.queue = endpoint.queue();
    }

    /** One message of the poll, once parsed. */
    private record Item(Message message, OutboxMessage outbox) {
    }

    @Override
    protected List<String> handle(List<Message> polled) throws Exception {
        List<String> delete = new ArrayList<>();
        Map<String, Item> items = new LinkedHashMap<>();
        for (Message m : polled) {
            try {
                OutboxMessage parsed = parts.parser().parse(m.body());
                if (items.putIfAbsent(parsed.messageId(), new Item(m, parsed)) != null) {
                    // the same message twice in one poll: the second copy comes back later and finds it delivered
                    LOG.info("Outbox message {} received twice in one poll; the second copy is left for later",
                            parsed.messageId());
                }
            } catch (RuntimeException e) {
                if (failed(m, e)) {
                    delete.add(m.receiptHandle());
                }
            }
        }
        if (items.isEmpty()) {
            return delete;
        }
        if (stopAsked()) {
            giveBack(items.values().stream().map(i -> i.message().receiptHandle()).toList());
            return delete;
        }
        String claimId = UUID.randomUUID().toString();
        List<OutboxMessage> messages = items.values().stream().map(Item::outbox).toList();
        DeliveryLog log = parts.log();
        DeliveryLog.Claims claims;
        try {
            claims = parts.retries().call("claiming the recipients of " + messages.size() + " outbox messages",
                    () -> log.claim(messages, claimId), this::stopAsked);
        } catch (Exception e) {
            LOG.warn("Claiming the recipients of {} outbox messages failed; they stay on the queue and come back after"
                    + " the visibility timeout: {}", messages.size(), e.toString());
            try {
                log.release(items.keySet(), claimId); // what the claim took before it failed (else it times out)
            } catch (Exception ignored) {
                // the claims expire after presence.delivery.claim-timeout-seconds
            }
            return delete;
        }
        if (!claims.elsewhere().isEmpty()) {
            LOG.info("Outbox messages {} are being delivered by another consumer; left on the queue, retried later",
                    claims.elsewhere());
        }
        try (AutoCloseable alive = log.keepAlive(claims.held().keySet(), claimId)) {
            delete.addAll(deliver(items, claims, claimId));
        }
        return delete;
    }

    /** Steps 2 to 7 for the messages this poll holds claims for; returns the receipt handles that may be deleted. */
    private List<String> deliver(Map<String, Item> items, DeliveryLog.Claims claims, String claimId) throws Exception {
        List<String> delete = new ArrayList<>();
        List<DeliverySql.Claimed> claimed = new ArrayList<>();
        claims.held().forEach((id, keys) -> {
            OutboxMessage message = items.get(id).outbox();
            parts.messages().countDuplicates(message, keys);
            if (keys.isEmpty()) {
                delete.add(items.get(id).message().receiptHandle()); // every recipient reached by an earlier delivery
            } else {
                claimed.add(new DeliverySql.Claimed(message, keys));
            }
        });
        if (claimed.isEmpty()) {
            return delete;
        }
        Set<String> unfinished = new HashSet<>(claims.held().keySet());
        try {
            Map<String, List<RecipientStatus>> statuses = parts.retries().call("reading the socket status of "
                    + claimed.size() + " outbox messages' recipients", () -> DeliverySql.statuses(parts.dataSource(),
                    claimed), this::stopAsked);
            boolean fresh = parts.freshness().trusted(); // may a "connected" be trusted now (docs/delivery.md)
            List<Delivery> decided = new ArrayList<>();
            for (DeliverySql.Claimed c : claimed) {
                Item item = items.get(c.message().messageId());
                Delivery delivery = new Delivery(c.message(), claimId, statuses.get(c.message().messageId()), fresh);
                Exception failure = route(item.message(), delivery);
                if (failure == null) {
                    decided.add(delivery);
                } else if (failed(item.message(), failure)) {
                    delete.add(item.message().receiptHandle());
                }
            }
            parts.socket().publish(decided);
            parts.push().send(decided, this::stopAsked);
            // what went is recorded, also of a message some of whose push requests did not go: its redelivery then
            // delivers only those
            parts.retries().call("recording " + decided.size() + " outbox messages' deliveries",
                    () -> {
                        log().record(decided, c -> parts.receipts().expect(c, decided));
                        return null;
                    }, this::stopAsked);
            for (Delivery d : decided) {
                if (d.complete()) {
                    unfinished.remove(d.getMessage().messageId());
                    delete.add(items.get(d.getMessage().messageId()).message().receiptHandle());
                }
            }
        } catch (Exception e) {
            LOG.warn("Delivering a poll of {} outbox messages failed; what was not recorded stays on the queue and comes"
                    + " back after the visibility timeout: {}", claimed.size(), e.toString());
        } finally {
            if (!unfinished.isEmpty()) {
                try {
                    log().release(unfinished, claimId);
                } catch (Exception e) {
                    // the claims time out instead (presence.delivery.claim-timeout-seconds)
                    LOG.warn("Releasing the claims of {} outbox messages failed; they expire after the claim timeout: {}",
                            unfinished.size(), e.getMessage());
                }
            }
        }
        return delete;
    }

    private DeliveryLog log() {
        return parts.log();
    }

    /** Headers of each recipient's exchange: what the route's choice decides on. */
    static final String MESSAGE_ID = "messageId";
    static final String USER_ID = "userId";
    static final String CHAT_ID = "chatId";
    static final String SENDER = "sender";
    static final String DELIVERABLE_OVER_SOCKET = "deliverableOverSocket";
    static final String PRESENCE_FRESH = "presenceFresh";
    static final List<String> HEADERS = List.of(Sqs2Constants.MESSAGE_ID, MESSAGE_ID, USER_ID, CHAT_ID, SENDER,
            DELIVERABLE_OVER_SOCKET, PRESENCE_FRESH);

    /**
     * The delivery's recipients through the route (the decision), each in an exchange of its own (body: the
     * {@link Delivery.Recipient}; headers: {@link #HEADERS}); the first failure, or null when every recipient was
     * decided.
     */
    private Exception route(Message m, Delivery delivery) {
        for (Delivery.Recipient recipient : delivery.getRecipients()) {
            Exchange exchange = createExchange(false);
            try {
                exchange.getIn().setBody(recipient);
                exchange.getIn().setHeader(Sqs2Constants.MESSAGE_ID, m.messageId());
                exchange.getIn().setHeader(MESSAGE_ID, delivery.getMessage().messageId());
                exchange.getIn().setHeader(USER_ID, recipient.getUserId());
                exchange.getIn().setHeader(CHAT_ID, recipient.getChatId());
                exchange.getIn().setHeader(SENDER, recipient.isSender());
                exchange.getIn().setHeader(DELIVERABLE_OVER_SOCKET, recipient.isDeliverableOverSocket());
                exchange.getIn().setHeader(PRESENCE_FRESH, recipient.isPresenceFresh());
                try {
                    getProcessor().process(exchange);
                } catch (Exception e) {
                    exchange.setException(e);
                }
                if (exchange.getException() != null) {
                    return exchange.getException();
                }
            } finally {
                releaseExchange(exchange, false);
            }
        }
        List<String> undecided = delivery.undecided();
        return undecided.isEmpty() ? null : new IllegalStateException("the route " + getRouteId()
                + " decided nothing for recipient(s) " + undecided + " of message " + delivery.getMessage().messageId()
                + ": every branch of its choice must decide (overSocket, overSocketAndPush or asPush)");
    }

    /**
     * A message that failed: dead-lettered when it is its own fault or a poison message (true: it may be deleted),
     * else left on the queue (false).
     */
    private boolean failed(Message m, Exception e) {
        Map<String, String> attributes = m.attributesAsStrings();
        FailureClassifier.Kind kind = FailureClassifier.classify(e);
        if (kind == FailureClassifier.Kind.ENVIRONMENT || kind == FailureClassifier.Kind.UNEXPECTED
                && !parts.failures().isPoison(attributes)) {
            LOG.warn("{} failure of outbox message {}, left on the queue for redelivery: {}",
                    kind == FailureClassifier.Kind.ENVIRONMENT ? "Environment" : "Unexpected", m.messageId(), e.toString());
            return false;
        }
        Map<String, Object> headers = new HashMap<>(4);
        headers.put(Sqs2Constants.MESSAGE_ID, m.messageId());
        headers.put(Sqs2Constants.ATTRIBUTES, attributes);
        try {
            parts.deadLetters().send(m.body(), headers, getRouteId(), queue.queue(), null, e);
            return true;
        } catch (RuntimeException dlq) {
            LOG.warn("Dead-lettering outbox message {} failed; it stays on the queue: {}", m.messageId(), dlq.getMessage());
            return false;
        }
    }
}
