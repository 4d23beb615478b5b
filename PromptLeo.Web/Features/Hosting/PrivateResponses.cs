namespace PromptLeo.Web.Features.Hosting;

public static class PrivateResponses
{
    /// <summary>Personal downloads stay out of shared caches and are not kept by the browser.</summary>
    public static void NoStore(this HttpResponse response) => response.Headers.CacheControl = "private, no-store";
}
