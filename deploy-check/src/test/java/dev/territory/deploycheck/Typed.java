package dev.territory.deploycheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Turns manifests into fabric8's typed Kubernetes model and reports any field the model does not
 * know (fabric8 keeps those in {@code additionalProperties} instead of failing), so that a typo
 * such as {@code livenesProbe} or {@code nodeSelecter} fails the checks.
 */
final class Typed {
    private Typed() {}

    static HasMetadata of(ObjectNode manifest) {
        try {
            Object o = Serialization.unmarshal(Repo.JSON.writeValueAsString(manifest));
            if (!(o instanceof HasMetadata h)) {
                throw new IllegalArgumentException("not a Kubernetes resource: " + manifest.path("kind"));
            }
            return h;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Paths of fields the typed model did not recognise (empty for custom resources, not typed here). */
    static List<String> unknownFields(HasMetadata resource) {
        List<String> out = new ArrayList<>();
        if (!(resource instanceof GenericKubernetesResource)) {
            walk(resource, resource.getKind() + "/" + resource.getMetadata().getName(), out);
        }
        return out;
    }

    private static void walk(Object o, String path, List<String> out) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                walk(x, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "[" + k + "]", out));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method method : o.getClass().getMethods()) {
            if (method.getParameterCount() != 0
                    || Modifier.isStatic(method.getModifiers())
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = method.getName();
            try {
                if (name.equals("getAdditionalProperties")) {
                    Map<?, ?> extra = (Map<?, ?>) method.invoke(o);
                    if (extra != null) {
                        extra.keySet().forEach(k -> out.add(path + "." + k));
                    }
                } else if (name.startsWith("get") && !method.getReturnType().isPrimitive()) {
                    walk(method.invoke(o), path + "." + name.substring(3), out);
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                // not a property getter we can read; the fields that matter are plain getters
            }
        }
    }
}
