package dev.wsgrid.java;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URL;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing Kotlin in what a Java user of the facade calls or implements: no {@code Continuation},
 * {@code Unit}, {@code Function1}, {@code kotlin.time.Duration}, {@code KClass}, and no companion
 * {@code INSTANCE} hops.
 */
class ApiSurfaceTest {

    @Test
    void theFacadesPublicSignaturesMentionNoKotlinType() throws Exception {
        List<Class<?>> types = publicFacadeTypes();
        Set<String> names = new TreeSet<>();
        for (Class<?> c : types) names.add(c.getSimpleName());
        assertTrue(names.containsAll(Set.of("WebSocketServer", "WebSocketAcceptor", "WebSocketConnector", "Communicator",
                "ServerConfig", "ConnectorConfig", "CommunicatorConfig", "AcceptorHandler", "UpgradeVerifier", "ServerListener", "Builder")), names.toString());
        List<String> problems = new ArrayList<>();
        for (Class<?> c : types) problems.addAll(kotlinIn(c));
        assertEquals(List.of(), problems);
    }

    /**
     * What a Java user reaches from the facade: every wsgrid type in its signatures (the request,
     * the states, the listeners, the invoke events, TLS and reconnect policies...), and the types in
     * theirs, down to the JDK's; and the exceptions the futures fail with. None may show a Kotlin type.
     */
    @Test
    void noKotlinTypeIsReachableFromTheFacade() throws Exception {
        Deque<Class<?>> queue = new ArrayDeque<>(publicFacadeTypes());
        queue.addAll(List.of(dev.wsgrid.rpc.RemoteException.class, dev.wsgrid.rpc.ConnectionClosedException.class,
                dev.wsgrid.rpc.HandshakeRejectedException.class, dev.wsgrid.rpc.CallTimeoutException.class,
                dev.wsgrid.rpc.NotConnectedException.class));
        Set<Class<?>> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        while (!queue.isEmpty()) {
            Class<?> c = queue.removeFirst();
            if (!seen.add(c) || internal(c)) continue;
            problems.addAll(c.getName().startsWith("dev.wsgrid.java.") ? kotlinIn(c) : kotlinInMembers(c));
            for (Class<?> next : wsgridTypesIn(c)) if (!seen.contains(next)) queue.addLast(next);
        }
        Set<String> reached = new TreeSet<>();
        for (Class<?> c : seen) reached.add(c.getName());
        // the walk does reach beyond the facade: the invoke events and the client request, for one
        assertTrue(reached.containsAll(Set.of("dev.wsgrid.rpc.InvokeEvent$Send", "dev.wsgrid.rpc.InvokeParameter",
                "dev.wsgrid.ktor.server.ClientRequest", "dev.wsgrid.ktor.client.ReconnectPolicy")), reached.toString());
        assertEquals(List.of(), problems);
    }

    @Test
    void theWalkWouldSeeAKotlinAcceptorOrAJsonElement() {
        // the Kotlin server listener hands out the Kotlin acceptor, whose accept suspends
        Set<Class<?>> next = wsgridTypesIn(dev.wsgrid.ktor.server.ServerListener.class);
        assertTrue(next.contains(dev.wsgrid.ktor.server.WebSocketAcceptor.class), next.toString());
        assertTrue(kotlinIn(dev.wsgrid.ktor.server.WebSocketAcceptor.class).stream().anyMatch(p -> p.contains("kotlin.coroutines.Continuation")));
        // a cluster adapter's Kotlin side (its link, which suspends) is marked internal, so the walk leaves it out
        assertTrue(java.util.Arrays.stream(dev.wsgrid.ktor.server.ClusterAdapter.class.getMethods()).allMatch(ApiSurfaceTest::internal));
        assertTrue(internal(dev.wsgrid.ktor.server.ClusterLink.class));
        // the codec of the Kotlin options speaks kotlinx JSON
        assertTrue(kotlinIn(dev.wsgrid.rpc.ValueAdapter.class).stream().anyMatch(p -> p.contains("kotlinx.serialization.json.JsonElement")));
    }

    /** Every public top-level and nested type of dev.wsgrid.java, not of its internal package. */
    private static List<Class<?>> publicFacadeTypes() throws Exception {
        URL url = WebSocketServer.class.getResource("WebSocketServer.class");
        File dir = new File(url.toURI()).getParentFile();
        List<Class<?>> out = new ArrayList<>();
        for (File f : dir.listFiles()) {
            String file = f.getName();
            if (!file.endsWith(".class")) continue;
            Class<?> c = Class.forName("dev.wsgrid.java." + file.substring(0, file.length() - ".class".length()));
            if (isPublic(c)) out.add(c);
        }
        return out;
    }

    private static boolean isPublic(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) if (!Modifier.isPublic(k.getModifiers())) return false;
        return !c.isAnonymousClass() && !c.isSynthetic();
    }

    /** Kotlin types in the facade type {@code c}'s public signatures, its constructors and companion hops included. */
    private static List<String> kotlinIn(Class<?> c) {
        List<String> problems = new ArrayList<>();
        String where = c.getName();
        for (Field f : c.getFields()) {
            if (f.getName().equals("INSTANCE") || f.getName().equals("Companion")) problems.add(where + "." + f.getName() + ": a companion hop");
        }
        for (Constructor<?> k : c.getConstructors()) {
            if (k.isSynthetic()) continue;
            for (Type t : k.getGenericParameterTypes()) check(where + ".<init>", t, problems);
        }
        problems.addAll(kotlinInMembers(c));
        return problems;
    }

    /**
     * Kotlin types in what a Java user reads and calls on {@code c}: its fields, methods and
     * supertypes. (The constructors of the wsgrid types beyond the facade are not checked: a Java
     * user gets those objects from wsgrid, and some constructors are Kotlin-internal, public only
     * in bytecode.)
     */
    private static List<String> kotlinInMembers(Class<?> c) {
        List<String> problems = new ArrayList<>();
        String where = c.getName();
        for (Field f : c.getFields()) check(where + "." + f.getName(), f.getGenericType(), problems);
        for (Method m : c.getMethods()) {
            if (m.getDeclaringClass() == Object.class) continue;
            // javac cannot call a synthetic method (Kotlin's @JvmSynthetic: the Kotlin-only accessors)
            if (m.isSynthetic() || m.isBridge()) continue;
            // public only for wsgrid's own modules, left out of the API dump too
            if (internal(m)) continue;
            // Kotlin's entries of an enum: Java has values()
            if (c.isEnum() && m.getName().equals("getEntries")) continue;
            String name = where + "." + m.getName();
            check(name, m.getGenericReturnType(), problems);
            for (Type t : m.getGenericParameterTypes()) check(name, t, problems);
            for (Type t : m.getGenericExceptionTypes()) check(name, t, problems);
        }
        for (Type t : c.getGenericInterfaces()) check(where + " implements", t, problems);
        if (c.getGenericSuperclass() != null) check(where + " extends", c.getGenericSuperclass(), problems);
        return problems;
    }

    /** The public wsgrid types (not of the facade's internal package) in {@code c}'s public signatures. */
    private static Set<Class<?>> wsgridTypesIn(Class<?> c) {
        List<Type> types = new ArrayList<>();
        for (Field f : c.getFields()) types.add(f.getGenericType());
        for (Method m : c.getMethods()) {
            if (m.getDeclaringClass() == Object.class || m.isSynthetic() || m.isBridge() || internal(m)) continue;
            types.add(m.getGenericReturnType());
            types.addAll(List.of(m.getGenericParameterTypes()));
        }
        types.addAll(List.of(c.getGenericInterfaces()));
        if (c.getGenericSuperclass() != null) types.add(c.getGenericSuperclass());
        for (Class<?> nested : c.getClasses()) types.add(nested);
        Set<Class<?>> out = new HashSet<>();
        for (Type t : types) collect(t, out);
        out.removeIf(k -> !k.getName().startsWith("dev.wsgrid.") || k.getName().startsWith("dev.wsgrid.java.internal.") || !isPublic(k));
        return out;
    }

    /** Marked {@code @InternalWsgridApi}: public only for wsgrid's own modules, as the API dump leaves it out. */
    private static boolean internal(java.lang.reflect.AnnotatedElement e) {
        return e.isAnnotationPresent(dev.wsgrid.rpc.internal.InternalWsgridApi.class);
    }

    private static void collect(Type t, Set<Class<?>> out) {
        if (t instanceof Class<?> k) {
            while (k.isArray()) k = k.getComponentType();
            out.add(k);
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), out);
            for (Type a : p.getActualTypeArguments()) collect(a, out);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) collect(b, out);
            for (Type b : w.getLowerBounds()) collect(b, out);
        } else if (t instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), out);
        } else if (t instanceof TypeVariable<?> v) {
            // a bound may name the variable itself (E extends Enum<E>): its raw class is enough
            for (Type b : v.getBounds()) collect(b instanceof ParameterizedType p ? p.getRawType() : b, out);
        }
    }

    private static void check(String where, Type t, List<String> problems) {
        if (t instanceof Class<?> k) {
            Class<?> e = k;
            while (e.isArray()) e = e.getComponentType();
            if (e.getName().startsWith("kotlin.") || e.getName().startsWith("kotlinx.")) problems.add(where + ": " + e.getName());
        } else if (t instanceof ParameterizedType p) {
            check(where, p.getRawType(), problems);
            for (Type a : p.getActualTypeArguments()) check(where, a, problems);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) check(where, b, problems);
            for (Type b : w.getLowerBounds()) check(where, b, problems);
        } else if (t instanceof GenericArrayType g) {
            check(where, g.getGenericComponentType(), problems);
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) if (b != Object.class) check(where, b instanceof ParameterizedType p ? p.getRawType() : b, problems);
        }
    }
}
