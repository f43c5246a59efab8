/*
 * A thin driver over TopQuadrant's SHACL engine (org.topbraid.shacl) for the tiers-lieux project.
 *
 * Usage: java -cp <TopBraid jars>:<this class> TiersLieuxShacl JOBS.json
 *
 * JOBS.json: {"threads": 2, "sliceBytes": 8388608, "jobs": [{"data": [{"path": "...", "keepLabels": true}],
 *                                      "shapes": [{"path": "...", "keepLabels": true}],
 *                                      "out": "results.jsonl"}]}
 *
 * For each job, the data files are read into one graph and the shapes files into another;
 * every result of the validation is written to "out" as one JSON object per line. Blank nodes
 * of files marked keepLabels keep their labels (N-Triples written by the caller), so the caller
 * can map results back to its own blank nodes. With threads > 1, the focus nodes of every
 * shape are split between threads by hash; each thread has its own engine, shapes graph and
 * dataset view over the shared, read-only data graph, and validates each of its focus nodes
 * against every shape that targets it: the union of the threads' results is the whole result.
 * Several jobs run in one JVM, one after the other (the W3C test suite is one such batch); a job
 * that fails writes its error to "out.error" and the others still run (exit status 1).
 */

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.google.gson.Gson;
import com.google.gson.stream.JsonWriter;

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.Triple;
import org.apache.jena.query.Dataset;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.rdf.model.ModelFactory;
import org.apache.jena.rdf.model.RDFNode;
import org.apache.jena.rdf.model.Resource;
import org.apache.jena.rdf.model.Statement;
import org.apache.jena.rdf.model.StmtIterator;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFLanguages;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.RDFParserBuilder;
import org.apache.jena.riot.RiotException;
import org.apache.jena.riot.system.StreamRDFBase;
import org.apache.jena.riot.lang.LabelToNode;
import org.apache.jena.sparql.graph.GraphFactory;
import org.topbraid.jenax.util.ARQFactory;
import org.topbraid.shacl.arq.SHACLFunctions;
import org.topbraid.shacl.engine.ShapesGraph;
import org.topbraid.shacl.util.SHACLUtil;
import org.topbraid.shacl.validation.ValidationEngine;
import org.topbraid.shacl.validation.ValidationEngineConfiguration;
import org.topbraid.shacl.validation.ValidationEngineFactory;
import org.topbraid.shacl.validation.ValidationProfile;
import org.topbraid.shacl.validation.ValidationUtil;
import org.topbraid.shacl.vocabulary.SH;

public class TiersLieuxShacl {

    static class FileSpec {
        String path;
        boolean keepLabels;
    }

    static class Job {
        List<FileSpec> data;
        List<FileSpec> shapes;
        String out;
    }

    static class Jobs {
        int threads = 1;
        /** N-Triples files with their labels kept and above this size are parsed in parallel slices. */
        long sliceBytes = 8L << 20;
        List<Job> jobs;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TiersLieuxShacl JOBS.json");
            System.exit(2);
        }
        Jobs jobs;
        try (Reader reader = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            jobs = new Gson().fromJson(reader, Jobs.class);
        }
        int failed = 0;
        for (Job job : jobs.jobs) {
            try {
                run(job, Math.max(1, jobs.threads), jobs.sliceBytes);
            } catch (Exception | StackOverflowError error) {
                // One job's failure (an unparsable file, a query the engine rejects) must not hide the others' results.
                failed++;
                Files.writeString(Path.of(job.out + ".error"), describe(error), StandardCharsets.UTF_8);
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (text.length() > 0) {
                text.append("\ncaused by: ");
            }
            text.append(cause.getClass().getName()).append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    static Graph read(List<FileSpec> files, int threads, long sliceBytes) throws Exception {
        Graph graph = GraphFactory.createDefaultGraph();
        for (FileSpec file : files) {
            Path path = Path.of(file.path);
            Lang lang = RDFLanguages.filenameToLang(file.path, Lang.TURTLE);
            try {
                if (threads > 1 && file.keepLabels && lang.equals(Lang.NTRIPLES) && Files.size(path) > sliceBytes) {
                    readSliced(path, threads, graph);
                } else {
                    parser(file.keepLabels).source(path).lang(lang).parse(graph);
                }
            } catch (RiotException error) {
                throw new IllegalArgumentException(file.path + ": " + error.getMessage());  // the file and line say it all
            }
        }
        return graph;
    }

    static RDFParserBuilder parser(boolean keepLabels) {
        return RDFParser.create()
            // rdflib, pySHACL's parser, checks neither IRIs nor literals; the shapes check what matters.
            .checking(false)
            .labelToNode(keepLabels ? LabelToNode.createUseLabelAsGiven() : LabelToNode.createScopeByDocumentHash());
    }

    /**
     * Parses an N-Triples file (one triple per line, labels as given, so slices share blank nodes)
     * in {@code slices} line-aligned slices at once, then adds the triples to {@code graph}.
     * On a syntax error the file is parsed again in one piece, for the error's true line number.
     */
    static void readSliced(Path path, int slices, Graph graph) throws Exception {
        long size = Files.size(path);
        long[] bounds = new long[slices + 1];
        bounds[slices] = size;
        try (FileChannel channel = FileChannel.open(path)) {
            for (int i = 1; i < slices; i++) {
                bounds[i] = Math.max(bounds[i - 1], nextLine(channel, size * i / slices));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(slices);
        List<Future<List<Triple>>> parts = new ArrayList<>();
        try {
            for (int i = 0; i < slices; i++) {
                final long start = bounds[i], end = bounds[i + 1];
                parts.add(pool.submit(() -> {
                    List<Triple> triples = new ArrayList<>();
                    try (FileChannel channel = FileChannel.open(path)) {
                        channel.position(start);
                        InputStream slice = new BufferedInputStream(new BoundedInputStream(Channels.newInputStream(channel), end - start), 1 << 16);
                        parser(true).source(slice).lang(Lang.NTRIPLES).parse(new StreamRDFBase() {
                            @Override
                            public void triple(Triple triple) {
                                triples.add(triple);
                            }
                        });
                    }
                    return triples;
                }));
            }
            for (Future<List<Triple>> part : parts) {
                for (Triple triple : part.get()) {
                    graph.add(triple);
                }
            }
        } catch (ExecutionException error) {
            parser(true).source(path).lang(Lang.NTRIPLES).parse(GraphFactory.createDefaultGraph());  // throws with the right line
            throw error;
        } finally {
            pool.shutdown();
        }
    }

    /** The offset just after the first line break at or after {@code from}. */
    static long nextLine(FileChannel channel, long from) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        long position = from;
        channel.position(from);
        while (channel.read(buffer) > 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                position++;
                if (buffer.get() == '\n') {
                    return position;
                }
            }
            buffer.clear();
        }
        return position;
    }

    /** At most {@code limit} bytes of another stream. */
    static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    static void run(Job job, int threads, long sliceBytes) throws Exception {
        long started = System.nanoTime();
        long cpuStarted = cpuNanos();
        Model dataModel = ModelFactory.createModelForGraph(read(job.data, threads, sliceBytes));
        Model shapesModel = ValidationUtil.ensureToshTriplesExist(ModelFactory.createModelForGraph(read(job.shapes, 1, sliceBytes)));
        SHACLFunctions.registerFunctions(shapesModel);
        long parsed = System.nanoTime();
        long cpuParsed = cpuNanos();

        List<Model> reports = new ArrayList<>();
        if (threads == 1) {
            reports.add(validate(dataModel, shapesModel, 0, 1));
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Model>> parts = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    final int part = i;
                    parts.add(pool.submit(() -> validate(dataModel, shapesModel, part, threads)));
                }
                for (Future<Model> part : parts) {
                    reports.add(part.get());
                }
            } finally {
                pool.shutdown();
            }
        }
        long validated = System.nanoTime();
        long cpuValidated = cpuNanos();
        int count = write(reports, Path.of(job.out));
        System.err.printf("tierslieux-shacl: %d data triples, %d results, %d thread(s); parse %.2f s (CPU %.2f s), validate %.2f s (CPU %.2f s)%n",
            dataModel.size(), count, threads, (parsed - started) / 1e9, (cpuParsed - cpuStarted) / 1e9,
            (validated - parsed) / 1e9, (cpuValidated - cpuParsed) / 1e9);
    }

    /** CPU time of the whole JVM so far (every thread, the collector's and the compiler's included). */
    static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean bean = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return bean instanceof com.sun.management.OperatingSystemMXBean ? ((com.sun.management.OperatingSystemMXBean) bean).getProcessCpuTime() : -1;
    }

    /** Validates the focus nodes whose hash falls in part {@code part} of {@code parts}; returns the report model. */
    static Model validate(Model dataModel, Model shapesModel, int part, int parts) throws InterruptedException, IOException {
        URI shapesGraphURI = SHACLUtil.createRandomShapesGraphURI();
        Dataset dataset = ARQFactory.get().getDataset(dataModel);
        dataset.addNamedModel(shapesGraphURI.toString(), shapesModel);
        ShapesGraph shapesGraph = new ShapesGraph(shapesModel);
        ValidationEngine engine = ValidationEngineFactory.get().create(dataset, shapesGraphURI, shapesGraph, null);
        engine.setConfiguration(new ValidationEngineConfiguration().setValidateShapes(false));
        if (parts > 1) {
            engine.setFocusNodeFilter(node -> Math.floorMod(node.asNode().hashCode(), parts) == part);
        }
        String profileFile = System.getenv("TIERSLIEUX_SHACL_PROFILE");  // time per constraint, to see what a graph costs
        ValidationProfile profile = profileFile == null ? null : new ValidationProfile();
        engine.setProfile(profile);
        engine.applyEntailments();
        Model report = engine.validateAll().getModel();
        if (profile != null) {
            Files.writeString(Path.of(profileFile + "." + part), profile.toJson().toString(), StandardCharsets.UTF_8);
        }
        return report;
    }

    static int write(List<Model> reports, Path out) throws IOException {
        int count = 0;
        try (Writer file = new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
            for (Model report : reports) {
                StmtIterator results = report.listStatements(null, SH.result, (RDFNode) null);
                while (results.hasNext()) {
                    Resource result = results.next().getResource();
                    JsonWriter json = new JsonWriter(file);
                    json.setHtmlSafe(false);
                    json.beginObject();
                    term(json, "focusNode", object(result, SH.focusNode));
                    Statement path = result.getProperty(SH.resultPath);
                    if (path != null) {
                        if (path.getObject().isURIResource()) {
                            term(json, "path", path.getObject());
                        } else {
                            json.name("complexPath").value(true);
                        }
                    }
                    term(json, "severity", result.getPropertyResourceValue(SH.resultSeverity));
                    term(json, "sourceShape", result.getPropertyResourceValue(SH.sourceShape));
                    term(json, "component", result.getPropertyResourceValue(SH.sourceConstraintComponent));
                    if (result.hasProperty(SH.value)) {
                        term(json, "value", object(result, SH.value));
                    }
                    json.name("messages").beginArray();
                    StmtIterator messages = result.listProperties(SH.resultMessage);
                    while (messages.hasNext()) {
                        termValue(json, messages.next().getObject().asNode());
                    }
                    json.endArray();
                    json.endObject();
                    json.flush();
                    file.write('\n');
                    count++;
                }
            }
        }
        return count;
    }

    /** The object of {@code property} on {@code subject}, or null: a focus node or a value may be a literal. */
    static RDFNode object(Resource subject, org.apache.jena.rdf.model.Property property) {
        Statement statement = subject.getProperty(property);
        return statement == null ? null : statement.getObject();
    }

    static void term(JsonWriter json, String name, RDFNode node) throws IOException {
        json.name(name);
        if (node == null) {
            json.nullValue();
        } else {
            termValue(json, node.asNode());
        }
    }

    static void termValue(JsonWriter json, Node node) throws IOException {
        json.beginObject();
        if (node.isURI()) {
            json.name("iri").value(node.getURI());
        } else if (node.isBlank()) {
            json.name("bnode").value(node.getBlankNodeLabel());
        } else {
            json.name("literal").value(node.getLiteralLexicalForm());
            String lang = node.getLiteralLanguage();
            if (lang != null && !lang.isEmpty()) {
                json.name("lang").value(lang);
            } else {
                json.name("datatype").value(node.getLiteralDatatypeURI());
            }
        }
        json.endObject();
    }
}
