using Microsoft.Extensions.Localization;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Portal;

/// <summary>
/// A portal form post that the framework rejects with an empty 400 (a missing or stale antiforgery token, a form the
/// page does not know) gets a short message instead of a blank page. The status pages cannot help here: re-running a
/// page as a POST fails the same check again. Other requests and <c>/v1</c> are left to the status pages and the API.
/// </summary>
public sealed class FormPostStatusMessages(RequestDelegate next, IStringLocalizer<SharedResource> L)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // Only browser form posts: other requests (SignalR, uploads to /v1, downloads) keep the server's own response body.
        if (!context.Request.HasFormContentType || context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        var body = context.Response.Body;
        // Blazor sets a content type on its empty 400, so only counting the bytes tells an empty answer apart.
        await using var counting = new CountingStream(body);
        context.Response.Body = counting;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }
        var response = context.Response;
        if (response.StatusCode != StatusCodes.Status400BadRequest || counting.Written > 0 || response.HasStarted)
        {
            return;
        }
        response.ContentType = null;
        await TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: L["The form could not be accepted"],
            detail: L["Its security token is missing or has expired, or the form is not known to this page. Go back, reload the page and send the form again."])
            .ExecuteAsync(context);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Written += count;
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The response body belongs to the server; only this wrapper goes away.
        protected override void Dispose(bool disposing)
        {
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
