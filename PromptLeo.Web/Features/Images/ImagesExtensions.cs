using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Images;

public static class ImagesExtensions
{
    /// <summary>The image studio's services and its <c>Images</c> options.</summary>
    public static IHostApplicationBuilder AddPromptLeoImages(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ImagesOptions>().BindConfiguration(ImagesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImageUploadValidator>();
        services.AddSingleton<ImageStudioService>();
        services.AddSingleton<ImageGallery>();
        services.AddSingleton<IExportContributor, ImagesExportContributor>();
        services.AddSingleton<IErasureParticipant, ImagesErasureParticipant>();
        services.AddSingleton<IRetentionParticipant, ImagesRetentionParticipant>();
        services.AddSingleton<ImageModelChoices>();
        return builder;
    }

    /// <summary><c>GET /images/file/{id}</c>: the owner's decrypted image; anyone else gets 404, as for an unknown id.</summary>
    public static IEndpointRouteBuilder MapPromptLeoImages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/images/file/{id:guid}", GetFileAsync).RequireAuthorization().WithName("GetImageFile");
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, NotFound>> GetFileAsync(
        Guid id, [FromQuery] int? download, [FromQuery] int? parameters, ClaimsPrincipal user, ImageGallery gallery, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        http.Response.NoStore();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (userId is null || await gallery.ReadAsync(userId, id, parameters == 1, cancellationToken) is not { } file)
        {
            return TypedResults.NotFound();
        }
        return download == 1
            ? TypedResults.File(file.Png, "image/png", $"promptleo-{file.Item.CreatedAt:yyyyMMdd-HHmmss}-{id.ToString("N")[..8]}.png")
            : TypedResults.File(file.Png, "image/png");
    }
}
