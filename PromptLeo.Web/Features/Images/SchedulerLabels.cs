using Microsoft.Extensions.Localization;
using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Web.Features.Images;

/// <summary>The scheduler names the studio and the lightbox show: the usual short names, and words only where a name needs them.</summary>
public static class SchedulerLabels
{
    public static string For(IStringLocalizer T, SchedulerKind kind) => kind switch
    {
        SchedulerKind.EulerAncestral => "Euler a",
        SchedulerKind.Ddim => "DDIM",
        SchedulerKind.Lms => "LMS",
        SchedulerKind.Lcm => "LCM",
        SchedulerKind.FlowMatchEuler => T["Flow matching (Euler)"],
        _ => kind.ToString(),
    };
}
