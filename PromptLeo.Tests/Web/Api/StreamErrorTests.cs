using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PromptLeo.Web.Features.Api;

namespace PromptLeo.Tests.Web.Api;

public class StreamErrorTests
{
    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }

    [Fact]
    public async Task Error_AfterStreamStarted_IsSentAsSseErrorEvent()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Features.Set<IHttpResponseFeature>(new StartedResponse { Headers = new HeaderDictionary() });
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
        context.Response.ContentType = "text/event-stream";

        await OpenAiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "The model failed while generating.", "server_error", null, "engine_error");

        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.StartsWith("data: ", text);
        Assert.EndsWith("\n\n", text);
        using var error = JsonDocument.Parse(text[6..].Trim());
        Assert.Equal("engine_error", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
