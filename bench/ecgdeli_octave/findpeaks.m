function [pks, locs] = findpeaks(y, varargin)
  % Local maxima with MATLAB's default semantics (every strict local maximum, plateaus
  % reported at their first sample, no height threshold), options 'MinPeakHeight',
  % 'MinPeakDistance' (samples), 'SortStr' and 'NPeaks'. Octave's signal-package
  % findpeaks thresholds at 2 x std by default, which is not what ECGdeli expects.
  y = y(:);
  minh = -Inf; mind = 0; sortstr = 'none'; npeaks = Inf;
  i = 1;
  while i <= numel(varargin)
    if ischar(varargin{i})
      switch lower(varargin{i})
        case 'minpeakheight', minh = varargin{i + 1};
        case 'minpeakdistance', mind = varargin{i + 1};
        case 'sortstr', sortstr = varargin{i + 1};
        case 'npeaks', npeaks = varargin{i + 1};
      end
      i = i + 2;
    else
      i = i + 1;
    end
  end
  n = numel(y);
  locs = zeros(0, 1);
  if n >= 3
    dy = diff(y);
    k = 2;
    while k <= n - 1
      if dy(k - 1) > 0
        j = k;
        while j <= n - 1 && dy(j) == 0
          j = j + 1;
        end
        if j <= n - 1 && dy(j) < 0
          locs(end + 1, 1) = k;
        end
        k = j + 1;
      else
        k = k + 1;
      end
    end
  end
  locs = locs(y(locs) > minh);
  if mind > 0 && numel(locs) > 1
    [~, order] = sort(y(locs), 'descend');
    keep = true(size(locs));
    for q = order(:).'
      if keep(q)
        near = abs(locs - locs(q)) < mind;
        near(q) = false;
        keep(near) = false;
      end
    end
    locs = locs(keep);
  end
  pks = y(locs);
  if strcmpi(sortstr, 'descend')
    [pks, o] = sort(pks, 'descend'); locs = locs(o);
  elseif strcmpi(sortstr, 'ascend')
    [pks, o] = sort(pks, 'ascend'); locs = locs(o);
  end
  if isfinite(npeaks) && numel(locs) > npeaks
    pks = pks(1:npeaks); locs = locs(1:npeaks);
  end
end
