"""Every model module, imported once so that the metadata (and migrations) see all tables."""

from funding.accounts import models as accounts  # noqa: F401
from funding.api import models as api  # noqa: F401
from funding.audit import models as audit  # noqa: F401
from funding.directory import models as directory  # noqa: F401
from funding.grants import models as grants  # noqa: F401
from funding.jobs import models as jobs  # noqa: F401
from funding.ledger import models as ledger  # noqa: F401
from funding.matchmaking import models as matchmaking  # noqa: F401
from funding.notifications import models as notifications  # noqa: F401
from funding.pledges import models as pledges  # noqa: F401
from funding.proposals import models as proposals  # noqa: F401
from funding.reconciliation import models as reconciliation  # noqa: F401
from funding.reviews import models as reviews  # noqa: F401
