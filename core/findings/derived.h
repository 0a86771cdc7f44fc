// Findings computed from other findings before rules see them.
#pragma once

#include "core/findings/findings.h"

namespace modalis {

// STarT Back risk from its scores (clinical brief §2): high when the psychosocial subscale is 4 or
// more; medium when the total is 4 or more and the subscale 3 or less; low when the total is 3 or
// less. Derived only when the scores decide it; when a recorded risk disagrees with the scores,
// the higher risk is kept, so a transcription slip never lowers the care offered.
void DeriveFindings(Findings* findings);

}  // namespace modalis
