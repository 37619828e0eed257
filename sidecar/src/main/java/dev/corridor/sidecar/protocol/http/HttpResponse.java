package dev.corridor.sidecar.protocol.http;

/** A complete response: head and body. */
public record HttpResponse(HttpResponseHead head, byte[] body) {

    public HttpResponse {
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }
}
