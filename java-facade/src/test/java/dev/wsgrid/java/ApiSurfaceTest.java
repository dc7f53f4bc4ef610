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
import java.util.ArrayList;
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
                "ServerConfig", "ConnectorConfig", "CommunicatorConfig", "AcceptorHandler", "UpgradeVerifier", "Builder")), names.toString());
        List<String> problems = new ArrayList<>();
        for (Class<?> c : types) problems.addAll(kotlinIn(c));
        assertEquals(List.of(), problems);
    }

    @Test
    void theCheckFindsKotlinTypesWhereThereAreSome() {
        // The core's Kotlin-first builder has a kotlin.time.Duration overload: the check must see it.
        List<String> problems = kotlinIn(dev.wsgrid.rpc.CommunicatorOptions.Builder.class);
        assertFalse(problems.isEmpty());
        assertTrue(problems.stream().anyMatch(p -> p.contains("kotlin.time.Duration")), problems.toString());
        assertFalse(kotlinIn(dev.wsgrid.rpc.KotlinxCodec.class).isEmpty(), "a companion field is a Kotlin hop");
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

    private static List<String> kotlinIn(Class<?> c) {
        List<String> problems = new ArrayList<>();
        String where = c.getName();
        for (Field f : c.getFields()) {
            if (f.getName().equals("INSTANCE") || f.getName().equals("Companion")) problems.add(where + "." + f.getName() + ": a companion hop");
            check(where + "." + f.getName(), f.getGenericType(), problems);
        }
        for (Constructor<?> k : c.getConstructors()) {
            for (Type t : k.getGenericParameterTypes()) check(where + ".<init>", t, problems);
        }
        for (Method m : c.getMethods()) {
            if (m.getDeclaringClass() == Object.class) continue;
            String name = where + "." + m.getName();
            check(name, m.getGenericReturnType(), problems);
            for (Type t : m.getGenericParameterTypes()) check(name, t, problems);
            for (Type t : m.getGenericExceptionTypes()) check(name, t, problems);
        }
        for (Type t : c.getGenericInterfaces()) check(where + " implements", t, problems);
        if (c.getGenericSuperclass() != null) check(where + " extends", c.getGenericSuperclass(), problems);
        return problems;
    }

    private static void check(String where, Type t, List<String> problems) {
        if (t instanceof Class<?> k) {
            Class<?> e = k;
            while (e.isArray()) e = e.getComponentType();
            if (e.getName().startsWith("kotlin.")) problems.add(where + ": " + e.getName());
        } else if (t instanceof ParameterizedType p) {
            check(where, p.getRawType(), problems);
            for (Type a : p.getActualTypeArguments()) check(where, a, problems);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) check(where, b, problems);
            for (Type b : w.getLowerBounds()) check(where, b, problems);
        } else if (t instanceof GenericArrayType g) {
            check(where, g.getGenericComponentType(), problems);
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) if (b != Object.class) check(where, b, problems);
        }
    }
}
