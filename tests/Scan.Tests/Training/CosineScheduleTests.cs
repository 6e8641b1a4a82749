using Scan.Core.Training;

namespace Scan.Tests.Training;

public class CosineScheduleTests
{
    [Fact]
    public void Warms_up_linearly_then_decays_by_cosine_to_the_final_fraction()
    {
        var schedule = new CosineSchedule(baseRate: 0.4, finalFraction: 0.1, warmupSteps: 4, totalSteps: 104);
        schedule.RateAt(0).Should().BeApproximately(0.1, 1e-12);   // 0.4 * 1/4
        schedule.RateAt(3).Should().BeApproximately(0.4, 1e-12);   // end of warm-up
        schedule.RateAt(4).Should().BeApproximately(0.4, 1e-12);   // cosine starts at the base rate
        // Halfway through the decay: final + (base - final) * (1 + cos(pi/2)) / 2 = 0.04 + 0.36 * 0.5.
        schedule.RateAt(54).Should().BeApproximately(0.22, 1e-12);
        schedule.RateAt(104).Should().BeApproximately(0.04, 1e-12);
        schedule.RateAt(1000).Should().BeApproximately(0.04, 1e-12);
    }

    [Fact]
    public void Without_warm_up_it_starts_at_the_base_rate()
    {
        var schedule = new CosineSchedule(1.0, 0.0, 0, 10);
        schedule.RateAt(0).Should().Be(1.0);
        schedule.RateAt(5).Should().BeApproximately(0.5, 1e-12);
        schedule.RateAt(10).Should().BeApproximately(0.0, 1e-12);
    }
}
