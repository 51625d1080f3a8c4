using System.Linq;
using OpsRunbook.Engine.Database;
using Xunit;
using Op = OpsRunbook.DatabaseMaintenanceOperation;

namespace OpsRunbook.Tests.Database
{
    public class MaintenancePlanTests
    {
        [Theory]
        [InlineData(new[] { Op.Vacuum }, false, "VACUUM public.t", false)]
        [InlineData(new[] { Op.Vacuum, Op.Analyze }, false, "VACUUM (ANALYZE) public.t", false)]
        [InlineData(new[] { Op.VacuumFull }, false, "VACUUM (FULL) public.t", true)]
        [InlineData(new[] { Op.Analyze, Op.VacuumFull }, false, "VACUUM (FULL, ANALYZE) public.t", true)]
        [InlineData(new[] { Op.Analyze }, false, "ANALYZE public.t", false)]
        [InlineData(new[] { Op.Reindex }, false, "REINDEX TABLE public.t", true)]
        [InlineData(new[] { Op.Reindex }, true, "REINDEX TABLE CONCURRENTLY public.t", true)]
        [InlineData(new[] { Op.Vacuum | Op.Analyze, Op.Reindex }, false, "VACUUM (ANALYZE) public.t; REINDEX TABLE public.t", true)]
        public void Operations_become_statements(Op[] operations, bool concurrently, string statements, bool takesBlockingLocks)
        {
            var plan = MaintenancePlan.Create(operations, concurrently);

            Assert.Equal(statements, string.Join("; ", plan.Steps.Select(s => s.CommandFor("public.t"))));
            Assert.Equal(takesBlockingLocks, plan.TakesBlockingLocks);
        }

        [Fact]
        public void Each_statement_says_which_operations_it_performs()
        {
            var plan = MaintenancePlan.Create(new[] { Op.Vacuum, Op.Analyze, Op.Reindex }, false);

            Assert.Equal(new[] { Op.Vacuum | Op.Analyze, Op.Reindex }, plan.Steps.Select(s => s.Operation));
            Assert.Equal("VACUUM (ANALYZE), then REINDEX TABLE", plan.Description);
            Assert.Equal(new[] { false, true }, plan.Steps.Select(s => s.OwnerOnly));
        }

        [Theory]
        [InlineData(new Op[0], false, "OperationMissing")]
        [InlineData(new[] { Op.Vacuum, Op.VacuumFull }, false, "ConflictingOperations")]
        [InlineData(new[] { Op.Vacuum }, true, "ConcurrentlyNeedsReindex")]
        public void Contradictions_are_refused_before_anything_runs(Op[] operations, bool concurrently, string errorId)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => MaintenancePlan.Create(operations, concurrently));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.NotNull(ex.RecommendedAction);
        }
    }
}
