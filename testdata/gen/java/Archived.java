// Archived writes a heap dump of a JVM run with its defaults, the G1 collector and the JDK's
// CDS archive, whose heap objects the JVM maps into its heap at startup: the dump refers to
// the archived objects of the classes the program never loaded, which it does not hold
// (docs/formats/hprof.md, "References to objects not in the dump"). The program does nothing
// but write the dump, with HotSpotDiagnosticMXBean.dumpHeap(file, true).
//
//	javac -d out testdata/gen/java/Archived.java
//	java -Xmx64m -cp out Archived cds.hprof
//
// testdata/gen/java/gen.sh runs it and gzips the dump into testdata/java/cds.hprof.gz.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.File;
import java.lang.management.ManagementFactory;

public class Archived {
    public static void main(String[] args) throws Exception {
        File out = new File(args[0]);
        out.delete();
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(out.getPath(), true);
    }
}
