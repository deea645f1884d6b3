package io.presencebroker.config;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;

/** Beans that live as long as the Camel context: started with it, stopped after the routes. */
public final class ContextServices {

    private ContextServices() {
    }

    /** Started now (the context may already be starting) and stopped with the context. */
    public static void addService(CamelContext context, Object service) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Closed when the context stops, after the routes. (Not the registry's destroyMethod: on a lazy bean that nothing
     * asked for, the registry would make the bean at shutdown only to close it.)
     */
    public static void closeOnStop(CamelContext context, AutoCloseable resource) {
        addService(context, new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                resource.close();
            }
        });
    }

    /** A bean the configuration cannot do without. */
    public static <T> T bean(CamelContext context, String name, Class<T> type) {
        T bean = context.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new IllegalStateException("No bean " + name + " (" + type.getSimpleName() + ") in the registry");
        }
        return bean;
    }
}
