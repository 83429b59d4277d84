package shop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

// PluginLoader loads a plugin's classes from its directory (a relative path: the dumps name no
// directory of the machine), each reload in a loader of its own.
public final class PluginLoader extends ClassLoader {
    private final String dir;

    PluginLoader(String dir, ClassLoader parent) {
        super("plugin", parent);
        this.dir = dir;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        try {
            byte[] b = Files.readAllBytes(Path.of(dir, name.replace('.', '/') + ".class"));
            return defineClass(name, b, 0, b.length);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }
}
