namespace PromptLeo.Inference.Diffusion.Schedulers;

/// <summary>Creates the per-request scheduler for a <see cref="SchedulerKind"/>.</summary>
internal static class SchedulerFactory
{
    public static IScheduler Create(SchedulerKind kind, SchedulerConfig config, int steps, int sampleLength) => kind switch
    {
        SchedulerKind.Euler => new EulerDiscreteScheduler(config, steps),
        SchedulerKind.EulerAncestral => new EulerAncestralDiscreteScheduler(config, steps),
        SchedulerKind.Ddim => new DdimScheduler(config, steps, sampleLength),
        SchedulerKind.Lms => new LmsDiscreteScheduler(config, steps, sampleLength),
        SchedulerKind.Lcm => new LcmScheduler(config, steps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown scheduler."),
    };
}
