package io.presencebroker.check;

/** One problem of a route file: printed as {@code file:line: message}, the form editors and CI logs link to ({@code file: message} for a problem of the
 * folder as a whole, e.g. a route that no file has). */
public record Problem(String file, int line, String message) implements Comparable<Problem> {

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }

    @Override
    public int compareTo(Problem o) {
        int byFile = file.compareTo(o.file);
        return byFile != 0 ? byFile : Integer.compare(line, o.line);
    }
}
